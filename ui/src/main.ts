import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { createBackend } from "./lib/backend";

void createBackend().then((backend) =>
  mount(App, {
    target: document.getElementById("app") ?? document.body,
    props: { backend },
  }),
);
