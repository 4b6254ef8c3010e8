#ifndef MISLINK_CCURL_SHIM_H
#define MISLINK_CCURL_SHIM_H
#include <curl/curl.h>
#endif
