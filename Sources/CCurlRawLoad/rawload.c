#define _POSIX_C_SOURCE 200809L
#include "rawload.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result = CURLE_OK;

static void global_init(void) { global_result = curl_global_init(CURL_GLOBAL_DEFAULT); }

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata) {
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ccurl_raw_post_load(const char *url, const char *body, long body_len, int total_requests, int concurrency,
                        double *elapsed_seconds, int *failures) {
    if (url == NULL || (body == NULL && body_len > 0) || body_len < 0 || total_requests < 0 || concurrency < 1 ||
        elapsed_seconds == NULL || failures == NULL) {
        return -1;
    }
    *elapsed_seconds = 0;
    *failures = 0;
    pthread_once(&global_once, global_init);
    if (global_result != CURLE_OK) return -1;
    if (total_requests == 0) return 0;
    if (concurrency > total_requests) concurrency = total_requests;

    CURLM *multi = curl_multi_init();
    if (multi == NULL) return -1;
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");
    CURL **handles = calloc((size_t)concurrency, sizeof(CURL *));
    int rc = 0;
    if (headers == NULL || handles == NULL) {
        rc = -1;
        goto done;
    }
    for (int i = 0; i < concurrency; i++) {
        CURL *easy = curl_easy_init();
        if (easy == NULL) {
            rc = -1;
            goto done;
        }
        handles[i] = easy;
        curl_easy_setopt(easy, CURLOPT_URL, url);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_POST, 1L);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body_len > 0 ? body : "");
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, body_len);
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    }

    double start = now_seconds();
    int started = 0, completed = 0, failed = 0;
    for (int i = 0; i < concurrency; i++) {
        curl_multi_add_handle(multi, handles[i]);
        started++;
    }
    while (completed < total_requests) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(multi, &running);
        if (mc != CURLM_OK) {
            rc = -1;
            break;
        }
        CURLMsg *msg;
        int queued;
        while ((msg = curl_multi_info_read(multi, &queued)) != NULL) {
            if (msg->msg != CURLMSG_DONE) continue;
            CURL *easy = msg->easy_handle;
            long status = 0;
            if (msg->data.result != CURLE_OK) {
                failed++;
            } else {
                curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
                if (status < 200 || status > 299) failed++;
            }
            completed++;
            curl_multi_remove_handle(multi, easy);
            if (started < total_requests) {
                curl_multi_add_handle(multi, easy);
                started++;
            }
        }
        if (completed >= total_requests) break;
        if (curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK) {
            rc = -1;
            break;
        }
    }
    *elapsed_seconds = now_seconds() - start;
    *failures = failed + (total_requests - completed);

done:
    if (handles != NULL) {
        for (int i = 0; i < concurrency; i++) {
            if (handles[i] != NULL) {
                curl_multi_remove_handle(multi, handles[i]);
                curl_easy_cleanup(handles[i]);
            }
        }
        free(handles);
    }
    curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
    return rc;
}
