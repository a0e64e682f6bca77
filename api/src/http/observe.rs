//! The outermost middleware: request id, the one error shape, the request log, metrics and one
//! structured log line per request.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use companin_service::telemetry::{RequestRecord, TelemetryWriter};
use poem::PathPattern;
use poem::http::header::{HeaderName, HeaderValue, RETRY_AFTER};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

use super::context::RequestContext;
use crate::error::{ApiError, ErrorCode};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Wraps the whole application.
pub struct Observe {
    telemetry: TelemetryWriter,
    templates: Arc<HashMap<String, Arc<str>>>,
    /// Each template's methods, for the `Allow` header of a 405.
    methods: Arc<HashMap<String, HeaderValue>>,
    org_labels: bool,
}

impl Observe {
    /// `templates` maps poem's route patterns to the documented templates, and `methods`
    /// each template to its methods (`GET, POST`); `org_labels` turns on per-organization
    /// request counts in the metrics.
    pub fn new(
        telemetry: TelemetryWriter,
        (templates, methods): (HashMap<String, String>, HashMap<String, String>),
        org_labels: bool,
    ) -> Self {
        let templates = templates
            .into_iter()
            .map(|(pattern, template)| (pattern, Arc::from(template)))
            .collect();
        let methods = methods
            .into_iter()
            .filter_map(|(template, methods)| {
                Some((template, HeaderValue::from_str(&methods).ok()?))
            })
            .collect();
        Self {
            telemetry,
            templates: Arc::new(templates),
            methods: Arc::new(methods),
            org_labels,
        }
    }
}

impl<E: Endpoint> Middleware<E> for Observe {
    type Output = ObserveEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        ObserveEndpoint {
            inner,
            telemetry: self.telemetry.clone(),
            templates: self.templates.clone(),
            methods: self.methods.clone(),
            org_labels: self.org_labels,
        }
    }
}

pub struct ObserveEndpoint<E> {
    inner: E,
    telemetry: TelemetryWriter,
    templates: Arc<HashMap<String, Arc<str>>>,
    methods: Arc<HashMap<String, HeaderValue>>,
    org_labels: bool,
}

/// A client-sent request id is echoed when it is short and printable; otherwise we make one.
fn request_id_of(req: &Request) -> String {
    req.headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// The documented template of the matched route; poem writes path parameters as `:id`, the
/// API documents them as `{id}`.
fn route_template(
    templates: &HashMap<String, Arc<str>>,
    pattern: Option<&PathPattern>,
) -> Option<Arc<str>> {
    let pattern = pattern?;
    if let Some(template) = templates.get(&*pattern.0) {
        return Some(template.clone());
    }
    let parts: Vec<String> = pattern
        .0
        .split('/')
        .map(|seg| match seg.strip_prefix(':') {
            Some(name) => format!("{{{name}}}"),
            None => seg.to_owned(),
        })
        .collect();
    Some(parts.join("/").into())
}

/// The documented template a path would have matched. Requests answered before routing (a
/// 401 or a 429 from authentication) carry only the API prefix as their pattern; they are
/// logged under the route they asked for, so that per-route figures count them. When several
/// templates fit, the one with most literal segments wins (`/knowledge/search` over
/// `/knowledge/{id}`).
fn template_of_path(templates: &HashMap<String, Arc<str>>, path: &str) -> Option<Arc<str>> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    templates
        .values()
        .filter_map(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (part, segment) in parts.iter().zip(&segments) {
                if part.starts_with('{') {
                    if segment.is_empty() {
                        return None;
                    }
                } else if part == segment {
                    literal += 1;
                } else {
                    return None;
                }
            }
            Some((literal, template))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, template)| template.clone())
}

impl<E: Endpoint> Endpoint for ObserveEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let started = Instant::now();
        let ctx = Arc::new(RequestContext::new(request_id_of(&req)));
        let method = super::metrics::method_label(req.method());
        let path = req.uri().path().to_owned();
        req.set_data(ctx.clone());

        let (mut response, pattern) = match self.inner.call(req).await {
            Ok(resp) => {
                let resp = resp.into_response();
                let pattern = route_template(&self.templates, resp.data::<PathPattern>());
                (resp, pattern)
            }
            Err(err) => {
                // A nest that matched a prefix but none of its routes leaves the prefix as
                // the pattern; such requests matched no route.
                let unmatched = err.is::<poem::error::NotFoundError>();
                let pattern = route_template(&self.templates, err.data::<PathPattern>())
                    .filter(|_| !unmatched);
                let api = crate::error::from_poem(&err);
                if api.code == ErrorCode::Internal {
                    // The poem error still holds the cause that the response must not show.
                    tracing::error!(request_id = %ctx.request_id, method, path, error = %err, "internal error");
                }
                (render_error(&api, &ctx.request_id), pattern)
            }
        };

        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&ctx.request_id) {
            headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
        }
        if let Some(rate) = ctx.rate_limit() {
            for (name, value) in rate.fields() {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    headers.insert(HeaderName::from_static(name), value);
                }
            }
        }
        super::cors::apply(headers, ctx.cors_origin());

        // Answered before routing: name the route that was asked for, if any.
        let pattern = match pattern {
            Some(p) if p.trim_end_matches('/') == super::API_PREFIX => {
                template_of_path(&self.templates, &path)
            }
            // CORS preflights are answered outside the route tree: name the route they ask
            // about (a documented template, so the labels stay bounded).
            None if method == "OPTIONS" => template_of_path(&self.templates, &path),
            other => other,
        };
        if response.status() == poem::http::StatusCode::METHOD_NOT_ALLOWED
            && let Some(allow) = template_of_path(&self.templates, &path)
                .and_then(|template| self.methods.get(&*template))
        {
            // RFC 9110: a 405 lists the methods the route does accept.
            response
                .headers_mut()
                .insert(poem::http::header::ALLOW, allow.clone());
        }
        let latency = started.elapsed();
        let status = response.status();
        // Unmatched paths are not labelled by their raw path, which would let any client grow
        // the metric and log cardinality without bound.
        let route = pattern.unwrap_or_else(|| Arc::from("<unmatched>"));
        let principal = ctx.principal();
        tracing::info!(
            request_id = %ctx.request_id,
            method,
            route = %route,
            path = %path,
            status = status.as_u16(),
            latency_ms = latency.as_secs_f64() * 1000.0,
            org_id = principal.map(|p| p.org_id.as_str()),
            client_id = principal.map(|p| p.client_id.as_str()),
            "request"
        );
        super::metrics::record_request(
            method,
            &route,
            status.as_u16(),
            latency,
            principal
                .filter(|_| self.org_labels)
                .map(|p| p.org_id.as_str()),
        );
        if path.starts_with("/api/") {
            self.telemetry
                .record_request(RequestRecord {
                    org_id: principal.map(|p| p.org_id.to_string()),
                    environment: principal.map(|p| p.environment),
                    client_id: principal.map(|p| p.client_id.to_string()),
                    request_id: ctx.request_id.clone(),
                    method: method.to_owned(),
                    route: route.to_string(),
                    status: status.as_u16(),
                    latency_ms: latency.as_secs_f64() * 1000.0,
                    at: companin_service::db::now(),
                })
                .await;
        }
        Ok(response)
    }
}

/// The error response: the JSON body plus `Retry-After` where it applies.
fn render_error(err: &ApiError, request_id: &str) -> Response {
    let body = crate::error::error_body(err, request_id);
    let mut response = poem::web::Json(body)
        .with_status(crate::error::status_of(err.code))
        .into_response();
    if let Some(secs) = err.retry_after {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_answered_before_routing_find_their_template() {
        let templates: HashMap<String, Arc<str>> = [
            "/api/v1/clients",
            "/api/v1/clients/{id}",
            "/api/v1/knowledge/{id}",
            "/api/v1/knowledge/search",
        ]
        .into_iter()
        .map(|t| (t.replace('{', ":").replace('}', ""), Arc::from(t)))
        .collect();
        let of = |p: &str| template_of_path(&templates, p).map(|t| t.to_string());
        assert_eq!(of("/api/v1/clients/").as_deref(), Some("/api/v1/clients"));
        assert_eq!(
            of("/api/v1/clients/cli_1").as_deref(),
            Some("/api/v1/clients/{id}")
        );
        assert_eq!(
            of("/api/v1/knowledge/search").as_deref(),
            Some("/api/v1/knowledge/search")
        );
        assert_eq!(
            of("/api/v1/knowledge/kn_1").as_deref(),
            Some("/api/v1/knowledge/{id}")
        );
        assert_eq!(of("/api/v1/nothing/here/at/all"), None);
    }

    #[test]
    fn templates_use_braces() {
        let p = PathPattern("/api/v1/things/:id".into());
        let none: HashMap<String, Arc<str>> = HashMap::new();
        assert_eq!(
            route_template(&none, Some(&p)).as_deref(),
            Some("/api/v1/things/{id}")
        );
        assert_eq!(route_template(&none, None), None);
        let templates: HashMap<String, Arc<str>> = crate::routes::route_templates()
            .into_iter()
            .map(|(k, v)| (k, Arc::from(v)))
            .collect();
        let p = PathPattern("/api/v1/clients/:param0/rotate-secret".into());
        assert_eq!(
            route_template(&templates, Some(&p)).as_deref(),
            Some("/api/v1/clients/{id}/rotate-secret")
        );
    }
}
