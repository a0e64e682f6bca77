//! The analytics reports.

use chrono::{DateTime, Utc};
use companin_entity::rate_limit_event;
use companin_service::analytics::{conversations, endpoints, keys, rate_limits, sql, usage};
use poem_openapi::{Enum, Object};

use super::list_type;

fn unix(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// Requests, errors and latency of one endpoint, or of all of them together.
#[derive(Debug, Object)]
pub struct TrafficStats {
    pub requests: u64,
    /// Responses with status 400 or above, rate-limit refusals (429) included.
    pub errors: u64,
    /// `errors / requests`.
    pub error_rate: f64,
    pub avg_latency_ms: f64,
    /// Nearest-rank median latency.
    pub p50_latency_ms: f64,
    /// Nearest-rank 95th percentile latency.
    pub p95_latency_ms: f64,
    /// Nearest-rank 99th percentile latency.
    pub p99_latency_ms: f64,
}

impl From<endpoints::Traffic> for TrafficStats {
    fn from(t: endpoints::Traffic) -> Self {
        TrafficStats {
            error_rate: sql::ratio(t.errors, t.requests),
            requests: t.requests,
            errors: t.errors,
            avg_latency_ms: t.avg_latency_ms,
            p50_latency_ms: t.p50_latency_ms,
            p95_latency_ms: t.p95_latency_ms,
            p99_latency_ms: t.p99_latency_ms,
        }
    }
}

/// One method and route template.
#[derive(Debug, Object)]
pub struct EndpointStats {
    pub method: String,
    /// The route template, e.g. `/api/v1/clients/{id}`.
    pub route: String,
    #[oai(flatten)]
    pub traffic: TrafficStats,
}

impl From<endpoints::EndpointStats> for EndpointStats {
    fn from(s: endpoints::EndpointStats) -> Self {
        EndpointStats {
            method: s.method,
            route: s.route,
            traffic: s.traffic.into(),
        }
    }
}

/// Traffic per endpoint over `[from, to)`, busiest first, and over all endpoints.
#[derive(Debug, Object)]
pub struct EndpointReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub items: Vec<EndpointStats>,
    /// Endpoints in the report.
    pub total: u64,
    /// Every request of the range: its percentiles are those of all the requests together
    /// (zeros when there were none).
    pub overall: TrafficStats,
}

/// Bucket size of the usage report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum UsageInterval {
    Hour,
    Day,
}

impl From<UsageInterval> for usage::Interval {
    fn from(i: UsageInterval) -> Self {
        match i {
            UsageInterval::Hour => usage::Interval::Hour,
            UsageInterval::Day => usage::Interval::Day,
        }
    }
}

/// What happened in one bucket (or in the whole range).
#[derive(Debug, Object, Default)]
pub struct UsageCounts {
    pub requests: u64,
    /// Responses with status 400 or above.
    pub errors: u64,
    /// Of the errors, responses with status 500 or above. `requests - errors` succeeded
    /// and `errors - server_errors` were client errors (4xx).
    pub server_errors: u64,
    /// Messages sent by visitors (their questions).
    pub messages: u64,
    /// Knowledge items created.
    pub knowledge_items: u64,
}

/// One time bucket, `[start, start + interval)`.
#[derive(Debug, Object)]
pub struct UsageBucket {
    pub start: DateTime<Utc>,
    #[oai(flatten)]
    pub counts: UsageCounts,
}

/// Usage over time: every bucket of the range, empty ones included.
#[derive(Debug, Object)]
pub struct UsageReport {
    pub interval: UsageInterval,
    /// The range, widened to whole buckets.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// When given, `requests` and `errors` count only this client's requests; messages and
    /// knowledge belong to the organization and are counted for all its clients.
    pub client_id: Option<String>,
    pub buckets: Vec<UsageBucket>,
    pub totals: UsageCounts,
}

impl UsageReport {
    pub fn new(
        interval: UsageInterval,
        range: sql::Range,
        client_id: Option<String>,
        rows: Vec<usage::Bucket>,
    ) -> Self {
        let mut totals = UsageCounts::default();
        let buckets = rows
            .into_iter()
            .map(|b| {
                totals.requests += b.requests;
                totals.errors += b.errors;
                totals.server_errors += b.server_errors;
                totals.messages += b.messages;
                totals.knowledge_items += b.knowledge_items;
                UsageBucket {
                    start: b.start,
                    counts: UsageCounts {
                        requests: b.requests,
                        errors: b.errors,
                        server_errors: b.server_errors,
                        messages: b.messages,
                        knowledge_items: b.knowledge_items,
                    },
                }
            })
            .collect();
        UsageReport {
            interval,
            from: range.from,
            to: range.to,
            client_id,
            buckets,
            totals,
        }
    }
}

/// One API credential's traffic.
#[derive(Debug, Object)]
pub struct KeyStats {
    pub client_id: String,
    pub name: String,
    pub is_active: bool,
    pub requests: u64,
    pub errors: u64,
    pub error_rate: f64,
    /// Requests refused by the rate limit (429).
    pub rate_limit_refusals: u64,
    /// The client's latest request in the range.
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<keys::KeyStats> for KeyStats {
    fn from(k: keys::KeyStats) -> Self {
        KeyStats {
            error_rate: sql::ratio(k.errors, k.requests),
            client_id: k.client_id,
            name: k.name,
            is_active: k.is_active,
            requests: k.requests,
            errors: k.errors,
            rate_limit_refusals: k.rate_limit_refusals,
            last_used_at: k.last_used_at,
        }
    }
}

/// Traffic per client over `[from, to)`; every live client is listed, busiest first.
#[derive(Debug, Object)]
pub struct KeyReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub items: Vec<KeyStats>,
    pub total: u64,
}

/// The rate-limit window in force now.
#[derive(Debug, Object)]
pub struct CurrentWindow {
    pub window_start: DateTime<Utc>,
    pub limit: i64,
    /// Requests admitted so far in this window (this one included).
    pub used: i64,
    pub remaining: i64,
    /// Unix seconds at which the window resets, as in `X-RateLimit-Reset`.
    pub reset: i64,
}

impl From<rate_limits::CurrentWindow> for CurrentWindow {
    fn from(w: rate_limits::CurrentWindow) -> Self {
        CurrentWindow {
            window_start: unix(w.window_start),
            limit: w.limit,
            used: w.used,
            remaining: w.remaining,
            reset: w.reset,
        }
    }
}

/// Allowed and refused requests of one one-hour window.
#[derive(Debug, Object)]
pub struct RateLimitWindow {
    pub start: DateTime<Utc>,
    pub limit: i64,
    pub allowed: i64,
    pub blocked: i64,
}

impl From<rate_limits::WindowTotals> for RateLimitWindow {
    fn from(w: rate_limits::WindowTotals) -> Self {
        RateLimitWindow {
            start: unix(w.window_start),
            limit: w.limit,
            allowed: w.allowed,
            blocked: w.blocked,
        }
    }
}

/// Sums over the windows of the range.
#[derive(Debug, Object)]
pub struct RateLimitTotals {
    pub allowed: i64,
    pub blocked: i64,
    /// `warning` events: windows in which 80 % of the limit was passed.
    pub warnings: u64,
}

/// The windows of the rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum RateLimitWindowKind {
    Hour,
    Day,
}

impl RateLimitWindowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RateLimitWindowKind::Hour => "hour",
            RateLimitWindowKind::Day => "day",
        }
    }
}

/// The kinds of rate-limit event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum RateLimitEventKind {
    Warning,
    Blocked,
}

impl RateLimitEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RateLimitEventKind::Warning => "warning",
            RateLimitEventKind::Blocked => "blocked",
        }
    }
}

/// A `warning` (first request past 80 % of the limit in a window) or a `blocked` refusal.
#[derive(Debug, Object)]
pub struct RateLimitEvent {
    pub id: i64,
    pub time: DateTime<Utc>,
    /// `warning` or `blocked`.
    pub kind: String,
    /// Which window: `hour` (the hourly limit) or `day` (the daily quota).
    pub window: String,
    /// The client whose request triggered the event.
    pub client_id: String,
    pub window_start: DateTime<Utc>,
    pub limit: i64,
    /// Requests admitted in the window when it happened.
    pub used: i64,
    pub request_id: String,
}

impl From<rate_limit_event::Model> for RateLimitEvent {
    fn from(e: rate_limit_event::Model) -> Self {
        RateLimitEvent {
            id: e.id,
            time: e.created_at,
            kind: e.kind,
            window: e.period,
            client_id: e.client_id,
            window_start: unix(e.window_start),
            limit: e.max_requests,
            used: e.used,
            request_id: e.request_id,
        }
    }
}

list_type!(
    /// A page of rate-limit events, newest first.
    RateLimitEventList,
    RateLimitEvent
);

/// The rate limit over `[from, to)` and now.
#[derive(Debug, Object)]
pub struct RateLimitReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The hourly limit's window in force now.
    pub current_window: CurrentWindow,
    /// The daily quota's window in force now (the UTC day).
    pub current_day: CurrentWindow,
    pub totals: RateLimitTotals,
    /// The windows overlapping the range that saw requests, oldest first.
    pub windows: Vec<RateLimitWindow>,
    pub events: RateLimitEventList,
}

/// How many feedbacks gave one rating.
#[derive(Debug, Object)]
pub struct RatingCount {
    pub rating: u8,
    pub count: u64,
}

/// Ratings given in feedback.
#[derive(Debug, Object)]
pub struct Satisfaction {
    /// Mean rating, `null` without feedback.
    pub average: Option<f64>,
    pub count: u64,
    /// Ratings 1 to 5, each with its count.
    pub distribution: Vec<RatingCount>,
}

/// Figures of the conversations that started in the range.
#[derive(Debug, Object)]
pub struct ConversationStats {
    pub conversations: u64,
    /// Messages of both roles.
    pub messages: u64,
    pub avg_messages_per_conversation: f64,
    /// From first to last message.
    pub avg_duration_seconds: f64,
    /// Nearest-rank median duration.
    pub p50_duration_seconds: f64,
    pub satisfaction: Satisfaction,
    /// Share of conversations with at least one feedback.
    pub feedback_rate: f64,
    /// Assistant replies.
    pub replies: u64,
    /// Replies that were the fallback message (nothing relevant was found).
    pub unanswered: u64,
    /// `unanswered / replies`.
    pub unanswered_rate: f64,
}

impl From<conversations::ConversationStats> for ConversationStats {
    fn from(s: conversations::ConversationStats) -> Self {
        ConversationStats {
            conversations: s.conversations,
            messages: s.messages,
            avg_messages_per_conversation: sql::ratio(s.messages, s.conversations),
            avg_duration_seconds: s.avg_duration_seconds,
            p50_duration_seconds: s.p50_duration_seconds,
            satisfaction: Satisfaction {
                average: s.satisfaction_average(),
                count: s.feedback_count(),
                distribution: (1..=5u8)
                    .zip(s.ratings)
                    .map(|(rating, count)| RatingCount { rating, count })
                    .collect(),
            },
            feedback_rate: sql::ratio(s.rated_conversations, s.conversations),
            replies: s.replies,
            unanswered: s.unanswered,
            unanswered_rate: sql::ratio(s.unanswered, s.replies),
        }
    }
}

/// One assistant's conversations.
#[derive(Debug, Object)]
pub struct AssistantConversationStats {
    pub assistant_id: String,
    /// `null` when the assistant has been deleted since.
    pub name: Option<String>,
    #[oai(flatten)]
    pub stats: ConversationStats,
}

/// Conversations that started in `[from, to)`: totals, and per assistant (most conversations
/// first).
#[derive(Debug, Object)]
pub struct ConversationReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub totals: ConversationStats,
    pub assistants: Vec<AssistantConversationStats>,
}
