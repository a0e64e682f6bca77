"""The SDK against a live server: started by scripts/sdks, which sets COMPANIN_BASE_URL,
COMPANIN_API_KEY (a production secret key of a fresh organization) and the same client's key
pair, COMPANIN_CLIENT_ID and COMPANIN_CLIENT_SECRET."""

import os
import time
import unittest
import uuid

import companin
from companin.generated.api.assistants import create_assistant, get_assistant
from companin.generated.api.conversations import create_feedback, send_message
from companin.generated.api.knowledge import create_qa, get_knowledge, list_knowledge
from companin.generated.api.sessions import create_session
from companin.generated.models import (
    CreateAssistant,
    CreateFeedback,
    CreateQa,
    CreateSession,
    KnowledgeStatus,
    ReplyModeName,
    SendMessage,
)


def client() -> companin.AuthenticatedClient:
    return companin.connect(os.environ["COMPANIN_BASE_URL"], os.environ["COMPANIN_API_KEY"])


class OnboardingTest(unittest.TestCase):
    """The five steps of the README: knowledge, assistant, session, message, feedback."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.api = client()
        qa = companin.unwrap(
            create_qa.sync_detailed(
                client=cls.api,
                body=CreateQa(
                    question="How long does shipping take?",
                    answer="Orders arrive within 3 to 5 working days.",
                ),
            )
        )
        deadline = time.monotonic() + 60
        while True:
            item = companin.unwrap(get_knowledge.sync_detailed(qa.id, client=cls.api))
            if item.status == KnowledgeStatus.READY or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        cls.qa = item
        cls.assistant = companin.unwrap(
            create_assistant.sync_detailed(
                client=cls.api,
                body=CreateAssistant(name="Shop helper", reply_mode=ReplyModeName.EXTRACTIVE),
            )
        )

    def new_session(self) -> str:
        session = companin.unwrap(
            create_session.sync_detailed(
                client=self.api, body=CreateSession(assistant_id=self.assistant.id)
            )
        )
        return session.id

    def test_knowledge_is_ready_and_listed(self) -> None:
        self.assertEqual(self.qa.status, KnowledgeStatus.READY)
        listed = companin.unwrap(list_knowledge.sync_detailed(client=self.api))
        self.assertIn(self.qa.id, [item.id for item in listed.items])

    def test_a_message_is_answered_from_the_knowledge_and_rated(self) -> None:
        reply = companin.unwrap(
            send_message.sync_detailed(
                client=self.api,
                body=SendMessage(
                    session_id=self.new_session(), message="How long does shipping take?"
                ),
            )
        )
        self.assertTrue(reply.answered)
        self.assertIn("3 to 5 working days", reply.message.content)
        self.assertEqual([s.knowledge_id for s in reply.sources], [self.qa.id])
        feedback = companin.unwrap(
            create_feedback.sync_detailed(
                reply.conversation_id,
                client=self.api,
                body=CreateFeedback(rating=5, message_id=reply.message.id),
            )
        )
        self.assertEqual(feedback.rating, 5)
        self.assertEqual(feedback.message_id, reply.message.id)

    def test_an_idempotency_key_replays_the_first_reply(self) -> None:
        body = SendMessage(session_id=self.new_session(), message="How long does shipping take?")
        key = str(uuid.uuid4())
        first = send_message.sync_detailed(client=self.api, body=body, idempotency_key=key)
        again = send_message.sync_detailed(client=self.api, body=body, idempotency_key=key)
        self.assertEqual(again.headers.get("idempotent-replayed"), "true")
        self.assertEqual(
            companin.unwrap(first).message.id, companin.unwrap(again).message.id
        )

    def test_a_streamed_reply_joins_to_the_stored_one(self) -> None:
        events = list(
            companin.stream_message(
                self.api,
                {"session_id": self.new_session(), "message": "How long does shipping take?"},
            )
        )
        self.assertEqual([e.type for e in events][-2:], ["sources", "done"])
        text = "".join(e.text for e in events)
        self.assertIn("3 to 5 working days", text)
        self.assertTrue(events[-1].data["answered"])

    def test_credentials_and_errors_are_typed_exceptions_with_their_code(self) -> None:
        with self.assertRaises(companin.NotFoundError) as missing:
            companin.unwrap(get_assistant.sync_detailed(str(uuid.uuid4()), client=self.api))
        self.assertEqual(missing.exception.code, "not_found")
        self.assertTrue(missing.exception.request_id)
        with self.assertRaises(companin.ValidationError) as invalid:
            companin.unwrap(
                send_message.sync_detailed(
                    client=self.api, body=SendMessage(session_id=self.new_session(), message="")
                )
            )
        self.assertEqual(invalid.exception.code, "validation_error")
        with self.assertRaises(companin.NotFoundError):
            list(
                companin.stream_message(
                    self.api, {"session_id": str(uuid.uuid4()), "message": "hello"}
                )
            )
        pair = companin.connect(
            os.environ["COMPANIN_BASE_URL"],
            client_id=os.environ["COMPANIN_CLIENT_ID"],
            client_secret=os.environ["COMPANIN_CLIENT_SECRET"],
        )
        self.assertIn(
            self.qa.id,
            [i.id for i in companin.unwrap(list_knowledge.sync_detailed(client=pair)).items],
        )
        wrong = companin.connect(os.environ["COMPANIN_BASE_URL"], "ck_live_" + "0" * 32 + "_x")
        with self.assertRaises(companin.AuthenticationError) as refused:
            companin.unwrap(list_knowledge.sync_detailed(client=wrong))
        self.assertEqual(refused.exception.code, "invalid_credentials")


if __name__ == "__main__":
    unittest.main()
