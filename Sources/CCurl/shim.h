#ifndef MISLINK_CCURL_SHIM_H
#define MISLINK_CCURL_SHIM_H
#include <curl/curl.h>

/// Write and header callbacks as Swift sees them.
typedef size_t (*mislink_curl_write_callback)(char *_Nonnull, size_t, size_t, void *_Nullable);

/// Wrapper around curl_easy_setopt(…, long), which is variadic and cannot be called from Swift.
static inline CURLcode mislink_curl_easy_setopt_long(CURL *_Nonnull handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

/// Wrapper around curl_easy_setopt(…, void *), which is variadic and cannot be called from Swift.
static inline CURLcode mislink_curl_easy_setopt_ptr(CURL *_Nonnull handle, CURLoption option, const void *_Nullable value) {
    return curl_easy_setopt(handle, option, value);
}

/// Wrapper around curl_easy_setopt(…, curl_off_t), which is variadic and cannot be called from Swift.
static inline CURLcode mislink_curl_easy_setopt_off_t(CURL *_Nonnull handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// Wrapper around curl_easy_setopt(…, CURLOPT_WRITEFUNCTION / CURLOPT_HEADERFUNCTION, fn).
static inline CURLcode mislink_curl_easy_setopt_write_function(CURL *_Nonnull handle, CURLoption option, mislink_curl_write_callback _Nullable fn) {
    return curl_easy_setopt(handle, option, fn);
}

/// Wrapper around curl_easy_getinfo(…, long *), which is variadic.
static inline CURLcode mislink_curl_easy_getinfo_long(CURL *_Nonnull handle, CURLINFO info, long *_Nonnull value) {
    return curl_easy_getinfo(handle, info, value);
}

/// Wrapper around curl_easy_getinfo(…, char **), which is variadic.
static inline CURLcode mislink_curl_easy_getinfo_string(CURL *_Nonnull handle, CURLINFO info, char *_Nullable *_Nonnull value) {
    return curl_easy_getinfo(handle, info, value);
}

/// Wrapper around curl_easy_getinfo(…, curl_off_t *), which is variadic.
static inline CURLcode mislink_curl_easy_getinfo_off_t(CURL *_Nonnull handle, CURLINFO info, curl_off_t *_Nonnull value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
