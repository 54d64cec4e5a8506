import { describe, expect, it } from "vitest";
import { noticeTone } from "./tone";

describe("noticeTone", () => {
  it("is red when the agent cannot take calls, green for a recovery, amber otherwise", () => {
    expect(noticeTone("sessionLost")).toBe("red");
    expect(noticeTone("gatewayUnreachable")).toBe("red");
    expect(noticeTone("sessionRestored"), "a recovery that needs nothing from the agent").toBe("green");
    expect(noticeTone("gatewayRefused")).toBe("amber");
    expect(noticeTone("invalidInput")).toBe("amber");
  });
});
