//! Prometheus metrics: request counts and latencies by route, and the database pool.

use super::AppState;
use axum::{
    extract::{MatchedPath, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::{collections::BTreeMap, fmt::Write, sync::Mutex, time::Instant};

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Counters of this process (the metrics of one instance, as Prometheus expects).
#[derive(Default)]
pub struct Metrics {
    // (method, route, status) -> series
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut map = self.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let s = map.entry((method.to_owned(), route.to_owned(), status)).or_default();
        s.count += 1;
        s.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                s.buckets[i] += 1;
            }
        }
    }
}

/// Times every request under its route template (`/api/v1/leads/{id}`), never the raw path.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let res = next.run(req).await;
    let elapsed = start.elapsed().as_secs_f64();
    state.metrics.observe(&method, &route, res.status().as_u16(), elapsed);
    if elapsed > 0.5 {
        tracing::warn!(%method, %route, status = res.status().as_u16(), ms = elapsed * 1000.0, "slow request");
    } else {
        tracing::debug!(%method, %route, status = res.status().as_u16(), ms = elapsed * 1000.0, "request");
    }
    res
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let mut out = String::new();
    {
        let map = state.metrics.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        out.push_str("# HELP leadline_http_requests_total HTTP requests answered, by route and status.\n");
        out.push_str("# TYPE leadline_http_requests_total counter\n");
        for ((m, r, st), s) in map.iter() {
            let _ = writeln!(
                out,
                "leadline_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{st}\"}} {}",
                escape(r),
                s.count
            );
        }
        out.push_str("# HELP leadline_http_request_duration_seconds Time to answer HTTP requests, by route.\n");
        out.push_str("# TYPE leadline_http_request_duration_seconds histogram\n");
        for ((m, r, st), s) in map.iter() {
            let labels = format!("method=\"{m}\",route=\"{}\",status=\"{st}\"", escape(r));
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "leadline_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(out, "leadline_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "leadline_http_request_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "leadline_http_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
    }
    let (size, idle, max) = state.db.pool_stats();
    let backend = state.db.backend();
    let _ = write!(
        out,
        "# HELP leadline_db_pool_connections Open database connections.\n# TYPE leadline_db_pool_connections gauge\n\
         leadline_db_pool_connections{{backend=\"{backend}\"}} {size}\n\
         # HELP leadline_db_pool_idle_connections Idle database connections.\n# TYPE leadline_db_pool_idle_connections gauge\n\
         leadline_db_pool_idle_connections{{backend=\"{backend}\"}} {idle}\n\
         # HELP leadline_db_pool_max_connections Pool size limit.\n# TYPE leadline_db_pool_max_connections gauge\n\
         leadline_db_pool_max_connections{{backend=\"{backend}\"}} {max}\n"
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out)
}
