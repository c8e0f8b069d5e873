// Drives the OpenAI-compatible endpoint with the official Node SDK (the `openai` npm package) and
// prints what the SDK saw as one JSON object; apps/api/tests/test_openai_node_sdk.py asserts on it.
// Usage: node openai_sdk.mjs <base_url> <api_key>
import OpenAI from "openai";

const [baseURL, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const seen = {};

const completion = await client.chat.completions.create({
  model: "m",
  messages: [{ role: "user", content: "Hi" }],
  user: "node-user",
});
seen.id = completion.id;
seen.content = completion.choices[0].message.content;

const stream = await client.chat.completions.create({
  model: "m",
  messages: [{ role: "user", content: "Hi" }],
  stream: true,
});
seen.streamed = "";
for await (const chunk of stream) {
  seen.streamed += chunk.choices[0]?.delta?.content ?? "";
}

try {
  await client.chat.completions.create({ model: "m", messages: [{ role: "assistant", content: "x" }] });
} catch (error) {
  seen.error = { status: error.status, message: error.message, param: error.param, type: error.type };
}

console.log(JSON.stringify(seen));
