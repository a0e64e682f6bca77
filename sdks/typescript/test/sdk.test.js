// The SDK against a live server: started by scripts/sdks, which sets COMPANIN_BASE_URL,
// COMPANIN_API_KEY (a production secret key of a fresh organization) and the same client's key
// pair, COMPANIN_CLIENT_ID and COMPANIN_CLIENT_SECRET.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, test } from "node:test";
import {
  AuthenticationError,
  NotFoundError,
  ValidationError,
  createCompanin,
  streamMessage,
  unwrap,
} from "../index.js";

const baseUrl = process.env.COMPANIN_BASE_URL;
const api = createCompanin({ baseUrl, apiKey: process.env.COMPANIN_API_KEY });
const question = "How long does shipping take?";

describe("the five onboarding steps", () => {
  let qa;
  let assistant;
  const newSession = async () =>
    (await unwrap(api.POST("/sessions", { body: { assistant_id: assistant.id } }))).id;

  before(async () => {
    const created = await unwrap(
      api.POST("/knowledge/qas", {
        body: { question, answer: "Orders arrive within 3 to 5 working days." },
      }),
    );
    const deadline = Date.now() + 60_000;
    do {
      qa = await unwrap(api.GET("/knowledge/{id}", { params: { path: { id: created.id } } }));
      if (qa.status === "ready") break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    } while (Date.now() < deadline);
    assistant = await unwrap(
      api.POST("/assistants", { body: { name: "Shop helper", reply_mode: "extractive" } }),
    );
  });

  test("the knowledge is ready and listed", async () => {
    assert.equal(qa.status, "ready");
    const listed = await unwrap(api.GET("/knowledge"));
    assert.ok(listed.items.some((item) => item.id === qa.id));
  });

  test("a message is answered from the knowledge and rated", async () => {
    const reply = await unwrap(
      api.POST("/conversations/send-message", {
        body: { session_id: await newSession(), message: question },
      }),
    );
    assert.equal(reply.answered, true);
    assert.match(reply.message.content, /3 to 5 working days/);
    assert.deepEqual(reply.sources.map((s) => s.knowledge_id), [qa.id]);
    const feedback = await unwrap(
      api.POST("/conversations/{id}/feedback", {
        params: { path: { id: reply.conversation_id } },
        body: { rating: 5, message_id: reply.message.id },
      }),
    );
    assert.equal(feedback.rating, 5);
    assert.equal(feedback.message_id, reply.message.id);
  });

  test("an Idempotency-Key replays the first reply", async () => {
    const request = {
      body: { session_id: await newSession(), message: question },
      params: { header: { "Idempotency-Key": randomUUID() } },
    };
    const first = await api.POST("/conversations/send-message", request);
    const again = await api.POST("/conversations/send-message", request);
    assert.equal(again.response.headers.get("idempotent-replayed"), "true");
    assert.equal(first.data.message.id, again.data.message.id);
  });

  test("a streamed reply joins to the stored one", async () => {
    const events = [];
    for await (const event of streamMessage(api, {
      session_id: await newSession(),
      message: question,
    })) {
      events.push(event);
    }
    assert.deepEqual(events.slice(-2).map((e) => e.type), ["sources", "done"]);
    assert.match(events.map((e) => e.text).join(""), /3 to 5 working days/);
    assert.equal(events.at(-1).data.answered, true);
  });

  test("the key pair works; errors are typed exceptions with their code", async () => {
    const missing = await unwrap(
      api.GET("/assistants/{id}", { params: { path: { id: randomUUID() } } }),
    ).catch((e) => e);
    assert.ok(missing instanceof NotFoundError);
    assert.equal(missing.code, "not_found");
    assert.ok(missing.requestId);

    const empty = await unwrap(
      api.POST("/conversations/send-message", {
        body: { session_id: await newSession(), message: "" },
      }),
    ).catch((e) => e);
    assert.ok(empty instanceof ValidationError);
    assert.equal(empty.code, "validation_error");

    const stream = streamMessage(api, { session_id: randomUUID(), message: "hello" });
    await assert.rejects(stream.next(), NotFoundError);

    const pair = createCompanin({
      baseUrl,
      clientId: process.env.COMPANIN_CLIENT_ID,
      clientSecret: process.env.COMPANIN_CLIENT_SECRET,
    });
    const listed = await unwrap(pair.GET("/knowledge"));
    assert.ok(listed.items.some((item) => item.id === qa.id));

    const wrong = createCompanin({ baseUrl, apiKey: `ck_live_${"0".repeat(32)}_x` });
    const refused = await unwrap(wrong.GET("/knowledge")).catch((e) => e);
    assert.ok(refused instanceof AuthenticationError);
    assert.equal(refused.code, "invalid_credentials");
  });
});
