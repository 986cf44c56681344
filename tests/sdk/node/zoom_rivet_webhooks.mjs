// Verify webhook requests with Zoom's official `@zoom/rivet` receiver code, unmodified: a
// VideoSdkClient whose receiver is Rivet's AwsLambdaReceiver (the same CommonHttpRequest
// signature check as its HttpReceiver, without opening a port).
// Usage: node zoom_rivet_webhooks.mjs <webhook_secret_token>
// Reads one JSON request per stdin line, {"body": "<raw body>", "headers": {...}}, and prints
// one JSON line per request: {"statusCode": ..., "body": {...}, "emitted": "<event>" | null}.
import { createInterface } from "node:readline";
import { AwsLambdaReceiver, VideoSdkClient } from "@zoom/rivet/videosdk";

console.debug = () => {}; // the Lambda receiver logs every event with console.debug
const [webhooksSecretToken] = process.argv.slice(2);
const receiver = new AwsLambdaReceiver({ webhooksSecretToken });
const client = new VideoSdkClient({ clientId: "unused", clientSecret: "unused", receiver });
let emitted = null;
for (const name of [
  "session.recording_started", "session.recording_paused", "session.recording_resumed",
  "session.recording_stopped", "session.recording_completed",
]) {
  client.webEventConsumer.event(name, (payload) => { emitted = payload.event; });
}
const handler = await client.start();
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { body, headers } = JSON.parse(line);
  emitted = null;
  const response = await handler({ body, headers, isBase64Encoded: false }, {});
  console.log(JSON.stringify({ statusCode: response.statusCode, body: JSON.parse(response.body), emitted }));
}
