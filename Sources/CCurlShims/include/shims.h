// Fixed-arity wrappers around libcurl's variadic functions.
//
// Swift cannot call C variadic functions (curl_easy_setopt, curl_easy_getinfo, curl_multi_setopt),
// so each wrapper below passes exactly one argument of one type through.
#ifndef CCURL_SHIMS_H
#define CCURL_SHIMS_H

#include <curl/curl.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Callback types, named so Swift sees them as `@convention(c)` function types.
typedef size_t (*ccurl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);

CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
/// For CURLOPT_WRITEFUNCTION, CURLOPT_HEADERFUNCTION and CURLOPT_READFUNCTION (same signature).
CURLcode ccurl_easy_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback value);
CURLcode ccurl_easy_setopt_write_callback(CURL *handle, ccurl_data_callback value);
CURLcode ccurl_easy_setopt_header_callback(CURL *handle, ccurl_data_callback value);
CURLcode ccurl_easy_setopt_read_callback(CURL *handle, ccurl_data_callback value);

/// CURLOPT_XFERINFOFUNCTION (also turns CURLOPT_NOPROGRESS off so it is called): non-zero aborts the
/// transfer with CURLE_ABORTED_BY_CALLBACK. Used to stop a blocking transfer when its task is cancelled.
typedef int (*ccurl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                                       curl_off_t ulnow);
CURLcode ccurl_easy_setopt_xferinfo_callback(CURL *handle, ccurl_xferinfo_callback value);

/// CURLOPT_PREREQFUNCTION with CURLOPT_PREREQDATA: called on a connection (new or reused) right before
/// the request is sent on it — once per request written, so a second call for one transfer means libcurl
/// is about to send the same request again. Return CURL_PREREQFUNC_ABORT (1) to stop it.
typedef int (*ccurl_prereq_callback)(void *clientp, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
                                     int conn_local_port);
CURLcode ccurl_easy_setopt_prereq_callback(CURL *handle, ccurl_prereq_callback value, void *data);

CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode ccurl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value);
CURLcode ccurl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode ccurl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode ccurl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

CURLMcode ccurl_multi_setopt_long(CURLM *handle, CURLMoption option, long value);

/// The CURLMSG_DONE result code of a message from curl_multi_info_read (a union member in C).
CURLcode ccurl_msg_result(const CURLMsg *msg);

#ifdef __cplusplus
}
#endif

#endif

#ifndef CCURL_SHIMS_EXTRA_H
#define CCURL_SHIMS_EXTRA_H
/// curl_global_init(CURL_GLOBAL_DEFAULT); the flag macro is not importable into Swift.
CURLcode ccurl_global_init_default(void);
/// CURL_ERROR_SIZE, the size curl requires for CURLOPT_ERRORBUFFER.
static inline int ccurl_error_size(void) { return CURL_ERROR_SIZE; }
/// Names the calling thread (shown by top -H, gdb); truncated to 15 bytes on Linux.
void ccurl_set_current_thread_name(const char *name);
#endif
