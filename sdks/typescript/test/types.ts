// Compiled by `tsc` (npm test), never run: the five onboarding steps must type-check against
// the generated schema, and a wrong field must not.
import { createCompanin, streamMessage, unwrap, type Schemas } from "../index.js";

export async function onboarding(): Promise<Schemas["Feedback"]> {
  const api = createCompanin({ baseUrl: "http://localhost:8080", apiKey: "ck_test_x" });
  const qa = await unwrap(
    api.POST("/knowledge/qas", { body: { question: "Shipping?", answer: "3 to 5 days." } }),
  );
  const status: Schemas["KnowledgeStatus"] = qa.status;
  const assistant = await unwrap(
    api.POST("/assistants", { body: { name: "Helper", reply_mode: "extractive" } }),
  );
  const session = await unwrap(
    api.POST("/sessions", { body: { assistant_id: assistant.id } }),
  );
  const reply = await unwrap(
    api.POST("/conversations/send-message", {
      body: { session_id: session.id, message: "Shipping?" },
      params: { header: { "Idempotency-Key": "k-1" } },
    }),
  );
  for await (const event of streamMessage(api, { session_id: session.id, message: status })) {
    if (event.type === "done") event.data.message_id satisfies string;
  }
  const items = await unwrap(api.GET("/knowledge", { params: { query: { limit: 10 } } }));
  items.items[0]?.summary_kind satisfies Schemas["SummaryKind"] | null | undefined;
  // @ts-expect-error: `rating` is a number.
  await api.POST("/conversations/{id}/feedback", { params: { path: { id: "c" } }, body: { rating: "5" } });
  return unwrap(
    api.POST("/conversations/{id}/feedback", {
      params: { path: { id: reply.conversation_id } },
      body: { rating: 5, message_id: reply.message.id },
    }),
  );
}
