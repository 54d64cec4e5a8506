/**
 * English strings: the reference dictionary. Its keys define `MessageKey`; every other
 * dictionary must have exactly the same keys. `{name}` marks a parameter.
 */
export const en = {
  "app.loading": "Loading…",
  "app.dismiss": "Dismiss",

  "status.agent": "Agent {id}",
  "status.demo": "Demo",
  "status.demoHint": "Demo session: calls come from the built-in simulator",
  "status.settings": "Settings",
  "status.signOut": "Sign out",
  "status.connection": "Connection: {state}",

  "agentState.unknown": "Unknown",
  "agentState.ready": "Ready",
  "agentState.busy": "Busy",
  "agentState.notReady": "Not ready",
  "agentState.rest": "Rest",
  "agentState.wrapUp": "Wrap-up",

  "health.offline": "Offline",
  "health.connected": "Connected",
  "health.reconnecting": "Reconnecting…",
  "health.lost": "Connection lost",

  "error.invalidInput": "Check the form",
  "error.gatewayUnreachable": "Can’t reach the gateway",
  "error.gatewayRefused": "The gateway refused the sign-in",
  "error.alreadySignedIn": "Already signed in",
  "error.sessionLost": "Session lost",
  "error.sessionRestored": "Signed in again",
  "error.notSignedIn": "Not signed in",
  "error.busy": "Another request is still running",
  "error.storage": "Local storage error",
  "error.internal": "Something went wrong",

  "signin.title": "Welcome to Sidekick",
  "signin.pitch": "Your live call and status, right beside the softphone.",
  "signin.tryDemo": "Try the demo",
  "signin.startingDemo": "Starting the demo…",
  "signin.demoHint": "No server needed: sample calls from a built-in simulator.",
  "signin.divider": "or sign in to your gateway",
  "signin.gateway": "Gateway address",
  "signin.agentId": "Agent ID",
  "signin.password": "Password",
  "signin.phone": "Softphone number",
  "signin.submit": "Sign in",
  "signin.submitting": "Signing in…",

  "idle.title": "Waiting for calls",
  "idle.hint": "A call will appear here as soon as it rings.",
  "idle.status": "Your status",

  "call.inbound": "Inbound",
  "call.outbound": "Outbound",
  "call.ringing": "Ringing",
  "call.talking": "Talking",
  "call.held": "On hold",
  "call.ended": "Ended",
  "call.endedBy.customer": "Ended by customer",
  "call.endedBy.agent": "Ended by agent",
  "call.to": "To {number}",
  "call.id": "Call ID",

  "settings.title": "Settings",
  "settings.back": "Back",
  "settings.language": "Language",
  "settings.languageAuto": "Automatic (system)",
  "settings.about": "About",
  "settings.aboutText": "Sidekick {version}: a companion for contact-centre agents.",
} satisfies Record<string, string>;

export type MessageKey = keyof typeof en;
