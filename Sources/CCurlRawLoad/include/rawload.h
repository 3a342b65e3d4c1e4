// The benchmark's baseline: libcurl's multi interface driven from C alone, no Swift in the loop.
#ifndef CCURL_RAWLOAD_H
#define CCURL_RAWLOAD_H

#ifdef __cplusplus
extern "C" {
#endif

/// POSTs `body` (`body_len` bytes, Content-Type: application/json, no Expect: 100-continue) to
/// `url` `total_requests` times, keeping `concurrency` transfers in flight on one CURLM with
/// keep-alive, re-adding each easy handle as it completes.
///
/// On return `*elapsed_seconds` is the wall time (CLOCK_MONOTONIC) from the first request to the
/// last completion and `*failures` the number of transfers that failed or answered non-2xx.
/// Returns 0 on success (the run happened; see `*failures`), -1 on bad arguments or when libcurl
/// could not be set up. Calls curl_global_init itself (once per process).
int ccurl_raw_post_load(const char *url, const char *body, long body_len, int total_requests, int concurrency,
                        double *elapsed_seconds, int *failures);

#ifdef __cplusplus
}
#endif

#endif
