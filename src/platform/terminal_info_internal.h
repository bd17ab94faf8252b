/* airwrite platform: what api.c needs of the terminal information routes
 * (api_terminal_info.c; platform_terminal_info.h, docs/terminal-info.md). */
#ifndef AIRWRITE_PLATFORM_TERMINAL_INFO_INTERNAL_H
#define AIRWRITE_PLATFORM_TERMINAL_INFO_INTERNAL_H

#include "platform/platform_internal.h"

/* GET /api/v1/cards/{eid}/terminal-info for api.c's fallback; false when
 * the path is not that one. */
bool platform_api_terminal_info_dispatch(platform_api *api, http_request *request);

#endif
