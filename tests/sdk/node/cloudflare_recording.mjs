// Fetch one RealtimeKit recording with the official `cloudflare` npm SDK, unmodified.
// Usage: node cloudflare_recording.mjs <base_url> <api_token> <account_id> <app_id> <recording_id>
// Prints one JSON line: {"ok": true, "response": ...} or {"ok": false, "error": ..., ...}.
import Cloudflare from "cloudflare";

const [baseURL, apiToken, accountId, appId, recordingId] = process.argv.slice(2);
const client = new Cloudflare({ apiToken, baseURL, maxRetries: 0, timeout: 10_000 });

try {
  const response = await client.realtimeKit.recordings.getOneRecording(recordingId, {
    account_id: accountId,
    app_id: appId,
  });
  console.log(JSON.stringify({ ok: true, response }));
} catch (error) {
  console.log(
    JSON.stringify({
      ok: false,
      error: error.constructor.name,
      status: error.status ?? null,
      body: error.error ?? null,
      message: String(error.message),
    }),
  );
}
