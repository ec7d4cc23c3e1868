/**
 * Every metric the service exposes (with Node's process metrics as a sample of prom-client's defaults): checked in the
 * registry (src/metrics/metrics.service.spec.ts) and in a running app's /metrics (test/metrics.e2e-spec.ts).
 */
export const SERVICE_METRIC_NAMES = [
  'process_cpu_user_seconds_total',
  'nodejs_eventloop_lag_seconds',
  'cat_http_request_duration_seconds',
  'cat_answers_accepted_total',
  'cat_exams_started_total',
  'cat_exams_completed_total',
  'cat_exams_expired_total',
  'cat_active_exams',
  'cat_lock_contention_total',
  'cat_redis_fallbacks_total',
  'cat_bank_snapshots',
  'cat_bank_snapshot_bytes',
  'cat_bank_snapshot_load_duration_seconds',
  'cat_store_errors_total',
  'cat_db_pool_connections',
  'cat_db_pool_connections_idle',
  'cat_db_pool_connections_max',
  'cat_db_pool_waiting_requests',
  'cat_redis_up',
  'cat_session_sweep_last_success_timestamp_seconds',
] as const;
