"""Contains all the data models used in inputs/outputs"""

from .accept_invitation import AcceptInvitation
from .actor import Actor
from .alert_delivery import AlertDelivery
from .alert_delivery_list import AlertDeliveryList
from .alert_webhook import AlertWebhook
from .assistant import Assistant
from .assistant_config import AssistantConfig
from .assistant_conversation_stats import AssistantConversationStats
from .assistant_list import AssistantList
from .assistant_version import AssistantVersion
from .assistant_version_list import AssistantVersionList
from .audit_log_entry import AuditLogEntry
from .audit_log_list import AuditLogList
from .chunk import Chunk
from .chunk_list import ChunkList
from .client import Client
from .client_credentials import ClientCredentials
from .client_list import ClientList
from .client_with_secret import ClientWithSecret
from .console_session import ConsoleSession
from .context import Context
from .context_list import ContextList
from .context_traits import ContextTraits
from .conversation import Conversation
from .conversation_context import ConversationContext
from .conversation_detail import ConversationDetail
from .conversation_detail_context import ConversationDetailContext
from .conversation_list import ConversationList
from .conversation_report import ConversationReport
from .conversation_stats import ConversationStats
from .crawl_bounds import CrawlBounds
from .crawl_bounds_input import CrawlBoundsInput
from .create_assistant import CreateAssistant
from .create_client import CreateClient
from .create_context import CreateContext
from .create_context_traits import CreateContextTraits
from .create_feedback import CreateFeedback
from .create_knowledge import CreateKnowledge
from .create_knowledge_metadata_type_0 import CreateKnowledgeMetadataType0
from .create_knowledge_type import CreateKnowledgeType
from .create_organization import CreateOrganization
from .create_qa import CreateQa
from .create_qa_metadata_type_0 import CreateQaMetadataType0
from .create_session import CreateSession
from .create_session_metadata_type_0 import CreateSessionMetadataType0
from .create_url import CreateUrl
from .create_url_metadata_type_0 import CreateUrlMetadataType0
from .create_webhook_endpoint import CreateWebhookEndpoint
from .create_widget_token import CreateWidgetToken
from .created_organization import CreatedOrganization
from .crm_ref import CrmRef
from .current_window import CurrentWindow
from .delta_event import DeltaEvent
from .done_event import DoneEvent
from .endpoint_report import EndpointReport
from .endpoint_stats import EndpointStats
from .environment_name import EnvironmentName
from .error_body import ErrorBody
from .error_event import ErrorEvent
from .feedback import Feedback
from .invite_member import InviteMember
from .job import Job
from .job_status_name import JobStatusName
from .key_report import KeyReport
from .key_stats import KeyStats
from .knowledge_item import KnowledgeItem
from .knowledge_item_metadata import KnowledgeItemMetadata
from .knowledge_list import KnowledgeList
from .knowledge_page import KnowledgePage
from .knowledge_scope_name import KnowledgeScopeName
from .knowledge_status import KnowledgeStatus
from .knowledge_type import KnowledgeType
from .language_source import LanguageSource
from .log_sort import LogSort
from .member import Member
from .member_invitation import MemberInvitation
from .member_list import MemberList
from .member_status import MemberStatus
from .message import Message
from .message_list import MessageList
from .message_reply import MessageReply
from .message_role import MessageRole
from .message_source import MessageSource
from .operator_console_session import OperatorConsoleSession
from .operator_sign_in import OperatorSignIn
from .organization import Organization
from .organization_list import OrganizationList
from .organization_usage import OrganizationUsage
from .page_list import PageList
from .page_status import PageStatus
from .promote_assistant import PromoteAssistant
from .promoted_knowledge import PromotedKnowledge
from .promotion import Promotion
from .rate_limit_event import RateLimitEvent
from .rate_limit_event_kind import RateLimitEventKind
from .rate_limit_event_list import RateLimitEventList
from .rate_limit_report import RateLimitReport
from .rate_limit_totals import RateLimitTotals
from .rate_limit_window import RateLimitWindow
from .rate_limit_window_kind import RateLimitWindowKind
from .rating_count import RatingCount
from .reindex import Reindex
from .reply_message import ReplyMessage
from .reply_mode_name import ReplyModeName
from .request_log_entry import RequestLogEntry
from .request_log_list import RequestLogList
from .retrieval_input import RetrievalInput
from .retrieval_patch import RetrievalPatch
from .retrieval_settings import RetrievalSettings
from .retriever import Retriever
from .role import Role
from .rollback import Rollback
from .satisfaction import Satisfaction
from .search_hit import SearchHit
from .search_knowledge import SearchKnowledge
from .search_results import SearchResults
from .send_message import SendMessage
from .session import Session
from .session_list import SessionList
from .session_metadata import SessionMetadata
from .session_status import SessionStatus
from .session_traits import SessionTraits
from .session_traits_traits import SessionTraitsTraits
from .set_alert_webhook import SetAlertWebhook
from .sign_in import SignIn
from .sources_event import SourcesEvent
from .summary_kind import SummaryKind
from .sync_changes import SyncChanges
from .token import Token
from .traffic_stats import TrafficStats
from .update_assistant import UpdateAssistant
from .update_client import UpdateClient
from .update_context import UpdateContext
from .update_context_traits_type_0 import UpdateContextTraitsType0
from .update_knowledge import UpdateKnowledge
from .update_knowledge_metadata_type_0 import UpdateKnowledgeMetadataType0
from .update_member import UpdateMember
from .update_organization import UpdateOrganization
from .update_qa import UpdateQa
from .update_session import UpdateSession
from .update_session_metadata_type_0 import UpdateSessionMetadataType0
from .update_webhook_endpoint import UpdateWebhookEndpoint
from .upload_knowledge_file_body import UploadKnowledgeFileBody
from .usage_bucket import UsageBucket
from .usage_by_organization import UsageByOrganization
from .usage_counts import UsageCounts
from .usage_interval import UsageInterval
from .usage_report import UsageReport
from .webhook_delivery import WebhookDelivery
from .webhook_delivery_list import WebhookDeliveryList
from .webhook_endpoint import WebhookEndpoint
from .webhook_endpoint_list import WebhookEndpointList
from .webhook_endpoint_with_secret import WebhookEndpointWithSecret
from .widget_config import WidgetConfig
from .widget_token import WidgetToken

__all__ = (
    "AcceptInvitation",
    "Actor",
    "AlertDelivery",
    "AlertDeliveryList",
    "AlertWebhook",
    "Assistant",
    "AssistantConfig",
    "AssistantConversationStats",
    "AssistantList",
    "AssistantVersion",
    "AssistantVersionList",
    "AuditLogEntry",
    "AuditLogList",
    "Chunk",
    "ChunkList",
    "Client",
    "ClientCredentials",
    "ClientList",
    "ClientWithSecret",
    "ConsoleSession",
    "Context",
    "ContextList",
    "ContextTraits",
    "Conversation",
    "ConversationContext",
    "ConversationDetail",
    "ConversationDetailContext",
    "ConversationList",
    "ConversationReport",
    "ConversationStats",
    "CrawlBounds",
    "CrawlBoundsInput",
    "CreateAssistant",
    "CreateClient",
    "CreateContext",
    "CreateContextTraits",
    "CreateFeedback",
    "CreateKnowledge",
    "CreateKnowledgeMetadataType0",
    "CreateKnowledgeType",
    "CreateOrganization",
    "CreateQa",
    "CreateQaMetadataType0",
    "CreateSession",
    "CreateSessionMetadataType0",
    "CreateUrl",
    "CreateUrlMetadataType0",
    "CreateWebhookEndpoint",
    "CreateWidgetToken",
    "CreatedOrganization",
    "CrmRef",
    "CurrentWindow",
    "DeltaEvent",
    "DoneEvent",
    "EndpointReport",
    "EndpointStats",
    "EnvironmentName",
    "ErrorBody",
    "ErrorEvent",
    "Feedback",
    "InviteMember",
    "Job",
    "JobStatusName",
    "KeyReport",
    "KeyStats",
    "KnowledgeItem",
    "KnowledgeItemMetadata",
    "KnowledgeList",
    "KnowledgePage",
    "KnowledgeScopeName",
    "KnowledgeStatus",
    "KnowledgeType",
    "LanguageSource",
    "LogSort",
    "Member",
    "MemberInvitation",
    "MemberList",
    "MemberStatus",
    "Message",
    "MessageList",
    "MessageReply",
    "MessageRole",
    "MessageSource",
    "OperatorConsoleSession",
    "OperatorSignIn",
    "Organization",
    "OrganizationList",
    "OrganizationUsage",
    "PageList",
    "PageStatus",
    "PromoteAssistant",
    "PromotedKnowledge",
    "Promotion",
    "RateLimitEvent",
    "RateLimitEventKind",
    "RateLimitEventList",
    "RateLimitReport",
    "RateLimitTotals",
    "RateLimitWindow",
    "RateLimitWindowKind",
    "RatingCount",
    "Reindex",
    "ReplyMessage",
    "ReplyModeName",
    "RequestLogEntry",
    "RequestLogList",
    "RetrievalInput",
    "RetrievalPatch",
    "RetrievalSettings",
    "Retriever",
    "Role",
    "Rollback",
    "Satisfaction",
    "SearchHit",
    "SearchKnowledge",
    "SearchResults",
    "SendMessage",
    "Session",
    "SessionList",
    "SessionMetadata",
    "SessionStatus",
    "SessionTraits",
    "SessionTraitsTraits",
    "SetAlertWebhook",
    "SignIn",
    "SourcesEvent",
    "SummaryKind",
    "SyncChanges",
    "Token",
    "TrafficStats",
    "UpdateAssistant",
    "UpdateClient",
    "UpdateContext",
    "UpdateContextTraitsType0",
    "UpdateKnowledge",
    "UpdateKnowledgeMetadataType0",
    "UpdateMember",
    "UpdateOrganization",
    "UpdateQa",
    "UpdateSession",
    "UpdateSessionMetadataType0",
    "UpdateWebhookEndpoint",
    "UploadKnowledgeFileBody",
    "UsageBucket",
    "UsageByOrganization",
    "UsageCounts",
    "UsageInterval",
    "UsageReport",
    "WebhookDelivery",
    "WebhookDeliveryList",
    "WebhookEndpoint",
    "WebhookEndpointList",
    "WebhookEndpointWithSecret",
    "WidgetConfig",
    "WidgetToken",
)
