//! `/analytics/...`: what the organization's traffic, rate limit and conversations look like.
//! Every report covers a half-open range `[from, to)`, by default the last 30 days.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use companin_service::Paging;
use companin_service::analytics::{self, Range, conversations, rate_limits, usage};
use companin_service::rate_limit::Limits;
use companin_service::{Tenant, request_logs};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Enum, OpenApi, ResponseContent};

use super::ApiTags;
use crate::auth::scheme::ClientAuth;
use crate::error::{ApiError, ApiResult, ListErrors};
use crate::schemas::analytics::{
    AssistantConversationStats, ConversationReport, EndpointReport, KeyReport, RateLimitEventKind,
    RateLimitEventList, RateLimitReport, RateLimitTotals, RateLimitWindowKind, UsageInterval,
    UsageReport,
};
use crate::schemas::logs::{RequestLogEntry, RequestLogList};
use crate::state::AppState;

/// The range a report covers when the caller names no `from`.
const DEFAULT_RANGE_DAYS: i64 = 30;

/// `[from, to)`, defaulting to the last 30 days; `from` must come before `to`.
pub(super) fn range(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Range, ApiError> {
    let to = to.unwrap_or_else(Utc::now);
    let from = from.unwrap_or(to - Duration::days(DEFAULT_RANGE_DAYS));
    if from >= to {
        return Err(ApiError::validation("from", "must be before `to`"));
    }
    Ok(Range { from, to })
}

/// Order of the request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LogSort {
    /// Newest first (the default).
    #[oai(rename = "-time")]
    Newest,
    #[oai(rename = "time")]
    Oldest,
    /// Slowest first.
    #[oai(rename = "-latency")]
    Slowest,
    #[oai(rename = "latency")]
    Fastest,
}

impl From<LogSort> for request_logs::Sort {
    fn from(s: LogSort) -> Self {
        match s {
            LogSort::Newest => request_logs::Sort::Newest,
            LogSort::Oldest => request_logs::Sort::Oldest,
            LogSort::Slowest => request_logs::Sort::Slowest,
            LogSort::Fastest => request_logs::Sort::Fastest,
        }
    }
}

/// The request log as a JSON page or as a CSV export.
#[derive(ResponseContent)]
enum LogContent {
    Json(Json<RequestLogList>),
    #[oai(content_type = "text/csv; charset=utf-8")]
    Csv(PlainText<String>),
}

#[derive(ApiResponse)]
enum Logs {
    /// A page of entries; with `Accept: text/csv`, every matching entry (up to 100,000) as
    /// CSV with the columns `time,method,route,status,latency_ms,client_id,request_id`.
    #[oai(status = 200)]
    Ok(LogContent),
}

fn wants_csv(req: &Request) -> bool {
    req.headers()
        .get_all(poem::http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|m| m.trim().starts_with("text/csv")))
}

pub struct AnalyticsApi;

#[OpenApi(tag = "ApiTags::Analytics")]
impl AnalyticsApi {
    /// Request log
    ///
    /// Every API request of the caller's organization and environment, newest first unless
    /// `sort` says otherwise. Rows are written in batches a moment after each request
    /// finishes. `Accept: text/csv` exports every matching row instead of a page.
    #[oai(
        path = "/analytics/logs/",
        method = "get",
        operation_id = "list_request_logs"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn logs(
        &self,
        req: &Request,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        /// Only requests at or after this time (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// Only requests before this time (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
        /// Only this HTTP status.
        #[oai(validator(minimum(value = "100"), maximum(value = "599")))]
        status: Query<Option<u16>>,
        /// Only requests with this HTTP status or above (400: every error; 500: server
        /// errors).
        #[oai(validator(minimum(value = "100"), maximum(value = "599")))]
        min_status: Query<Option<u16>>,
        /// Only this HTTP method, e.g. `POST`.
        #[oai(validator(max_length = 16))]
        method: Query<Option<String>>,
        /// Only this route template, e.g. `/api/v1/clients/{id}`.
        route: Query<Option<String>>,
        /// Only requests of this client.
        client_id: Query<Option<String>>,
        /// Only requests that took at least this many milliseconds.
        #[oai(validator(minimum(value = "0")))]
        min_latency_ms: Query<Option<f64>>,
        /// Only requests that took at most this many milliseconds.
        #[oai(validator(minimum(value = "0")))]
        max_latency_ms: Query<Option<f64>>,
        /// `-time` (default), `time`, `-latency` (slowest first) or `latency`.
        sort: Query<Option<LogSort>>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Logs, ListErrors> {
        if let (Some(min), Some(max)) = (min_latency_ms.0, max_latency_ms.0)
            && min > max
        {
            return Err(
                ApiError::validation("min_latency_ms", "must not exceed `max_latency_ms`").into(),
            );
        }
        let tenant = Tenant::from(auth.principal());
        let filter = request_logs::Filter {
            from: from.0,
            to: to.0,
            status: status.0,
            min_status: min_status.0,
            method: method.0,
            route: route.0,
            client_id: client_id.0,
            min_latency_ms: min_latency_ms.0,
            max_latency_ms: max_latency_ms.0,
        };
        let sort = sort.0.map(Into::into).unwrap_or_default();
        if wants_csv(req) {
            let body = request_logs::export_csv(&state.db, &tenant, filter, sort)
                .await
                .map_err(ApiError::internal)?;
            let text = String::from_utf8(body).map_err(ApiError::internal)?;
            return Ok(Logs::Ok(LogContent::Csv(PlainText(text))));
        }
        let paging = Paging::new(limit.0, offset.0);
        let (items, total) = request_logs::list(&state.db, &tenant, filter, sort, paging).await?;
        Ok(Logs::Ok(LogContent::Json(Json(RequestLogList::new(
            items.into_iter().map(RequestLogEntry::from).collect(),
            total,
            paging,
        )))))
    }

    /// Traffic per endpoint
    ///
    /// For each method and route template called in the range: requests, errors (status 400
    /// and above), error rate, mean latency and nearest-rank p50, p95 and p99 latency; and
    /// the same over all the range's requests (`overall`).
    #[oai(
        path = "/analytics/endpoints/",
        method = "get",
        operation_id = "analytics_endpoints"
    )]
    async fn endpoints(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        /// Start of the range (RFC 3339), default 30 days before `to`.
        from: Query<Option<DateTime<Utc>>>,
        /// End of the range, exclusive (RFC 3339), default now.
        to: Query<Option<DateTime<Utc>>>,
    ) -> ApiResult<Json<EndpointReport>, ListErrors> {
        let range = range(from.0, to.0)?;
        let tenant = Tenant::from(auth.principal());
        let report = analytics::endpoints::endpoints(&state.db, &tenant, &range).await?;
        let items: Vec<_> = report.items.into_iter().map(Into::into).collect();
        Ok(Json(EndpointReport {
            from: range.from,
            to: range.to,
            total: items.len() as u64,
            items,
            overall: report.overall.into(),
        }))
    }

    /// Usage over time
    ///
    /// Requests, errors, messages sent and knowledge items created per hour or per day (UTC),
    /// every bucket of the range present, empty ones as zeros. The range is widened to whole
    /// buckets; by default the last 24 hours (`hour`) or 30 days (`day`), at most 2000
    /// buckets.
    #[oai(
        path = "/analytics/usage/",
        method = "get",
        operation_id = "analytics_usage"
    )]
    async fn usage(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        /// `hour` or `day` (default `day`).
        interval: Query<Option<UsageInterval>>,
        /// Start of the range (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// End of the range, exclusive (RFC 3339), default now.
        to: Query<Option<DateTime<Utc>>>,
        /// Count only this client's requests.
        client_id: Query<Option<String>>,
    ) -> ApiResult<Json<UsageReport>, ListErrors> {
        let interval = interval.0.unwrap_or(UsageInterval::Day);
        let size: usage::Interval = interval.into();
        let to = to.0.unwrap_or_else(Utc::now);
        // By default the last 24 hours or 30 days, the current bucket included.
        let from = from.0.unwrap_or_else(|| {
            size.ceil(to)
                - match size {
                    usage::Interval::Hour => Duration::hours(24),
                    usage::Interval::Day => Duration::days(DEFAULT_RANGE_DAYS),
                }
        });
        let range = size.align(range(Some(from), Some(to))?);
        if size.buckets(&range) > usage::MAX_BUCKETS {
            return Err(ApiError::validation(
                "from",
                format!(
                    "the range holds more than {} {} buckets; narrow it or use a \
                     longer interval",
                    usage::MAX_BUCKETS,
                    match size {
                        usage::Interval::Hour => "hourly",
                        usage::Interval::Day => "daily",
                    }
                ),
            )
            .into());
        }
        let tenant = Tenant::from(auth.principal());
        let filter = usage::Filter {
            client_id: client_id.0.clone(),
        };
        let rows = usage::usage(&state.db, &tenant, &range, size, &filter).await?;
        Ok(Json(UsageReport::new(interval, range, client_id.0, rows)))
    }

    /// Traffic per API key
    ///
    /// Every live client of the organization's environment with its requests, errors,
    /// rate-limit refusals and latest request in the range.
    #[oai(
        path = "/analytics/keys/",
        method = "get",
        operation_id = "analytics_keys"
    )]
    async fn keys(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        /// Start of the range (RFC 3339), default 30 days before `to`.
        from: Query<Option<DateTime<Utc>>>,
        /// End of the range, exclusive (RFC 3339), default now.
        to: Query<Option<DateTime<Utc>>>,
    ) -> ApiResult<Json<KeyReport>, ListErrors> {
        let range = range(from.0, to.0)?;
        let tenant = Tenant::from(auth.principal());
        let items: Vec<_> = analytics::keys::keys(&state.db, &tenant, &range)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(Json(KeyReport {
            from: range.from,
            to: range.to,
            total: items.len() as u64,
            items,
        }))
    }

    /// Rate limit
    ///
    /// The current hourly window and UTC day (limit, used, remaining, reset), allowed and
    /// blocked requests per one-hour window of the range, and the `warning` and `blocked`
    /// events of both windows, newest first.
    #[oai(
        path = "/analytics/rate-limits/",
        method = "get",
        operation_id = "analytics_rate_limits"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn rate_limits(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        /// Start of the range (RFC 3339), default 30 days before `to`.
        from: Query<Option<DateTime<Utc>>>,
        /// End of the range, exclusive (RFC 3339), default now.
        to: Query<Option<DateTime<Utc>>>,
        /// Only events of this kind: `warning` or `blocked`.
        kind: Query<Option<RateLimitEventKind>>,
        /// Only events of this window: `hour` (the hourly limit) or `day` (the daily quota).
        window: Query<Option<RateLimitWindowKind>>,
        /// Only events triggered by this client.
        client_id: Query<Option<String>>,
        /// Events per page (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Events to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<RateLimitReport>, ListErrors> {
        let range = range(from.0, to.0)?;
        let tenant = Tenant::from(auth.principal());
        let paging = Paging::new(limit.0, offset.0);
        let now = Utc::now().timestamp();
        let defaults = Limits {
            per_hour: i64::from(state.settings.rate_limit.default_per_hour),
            per_day: i64::from(state.settings.rate_limit.default_per_day),
        };
        let (hour, day) = rate_limits::current_windows(&state.db, &tenant, defaults, now).await?;
        let windows = rate_limits::windows(&state.db, &tenant, &range).await?;
        let warnings = rate_limits::count_events(
            &state.db,
            &tenant,
            &range,
            RateLimitEventKind::Warning.as_str(),
        )
        .await?;
        let filter = rate_limits::EventFilter {
            kind: kind.0.map(RateLimitEventKind::as_str),
            period: window.0.map(RateLimitWindowKind::as_str),
            client_id: client_id.0,
        };
        let (events, total) =
            rate_limits::events(&state.db, &tenant, &range, filter, paging).await?;
        Ok(Json(RateLimitReport {
            from: range.from,
            to: range.to,
            current_window: hour.into(),
            current_day: day.into(),
            totals: RateLimitTotals {
                allowed: windows.iter().map(|w| w.allowed).sum(),
                blocked: windows.iter().map(|w| w.blocked).sum(),
                warnings,
            },
            windows: windows.into_iter().map(Into::into).collect(),
            events: RateLimitEventList::new(
                events.into_iter().map(Into::into).collect(),
                total,
                paging,
            ),
        }))
    }

    /// Conversation quality
    ///
    /// For the conversations that started in the range, in total and per assistant:
    /// conversations, messages, mean messages per conversation, mean and median duration,
    /// satisfaction (mean rating and the count of each rating 1 to 5), the share of
    /// conversations with feedback, and the share of replies that fell back because nothing
    /// relevant was found.
    #[oai(
        path = "/analytics/conversations/",
        method = "get",
        operation_id = "analytics_conversations"
    )]
    async fn conversations(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        /// Only this assistant's conversations.
        assistant_id: Query<Option<String>>,
        /// Start of the range (RFC 3339), default 30 days before `to`.
        from: Query<Option<DateTime<Utc>>>,
        /// End of the range, exclusive (RFC 3339), default now.
        to: Query<Option<DateTime<Utc>>>,
    ) -> ApiResult<Json<ConversationReport>, ListErrors> {
        let range = range(from.0, to.0)?;
        let tenant = Tenant::from(auth.principal());
        let filter = conversations::Filter {
            assistant_id: assistant_id.0,
        };
        let (totals, per) =
            conversations::conversations(&state.db, &tenant, &range, &filter).await?;
        Ok(Json(ConversationReport {
            from: range.from,
            to: range.to,
            totals: totals.into(),
            assistants: per
                .into_iter()
                .map(|a| AssistantConversationStats {
                    assistant_id: a.assistant_id,
                    name: a.name,
                    stats: a.stats.into(),
                })
                .collect(),
        }))
    }
}
