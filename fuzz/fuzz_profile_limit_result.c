/* libFuzzer target: the platform's reading of an eUICC's installation result
 * (src/platform/profile_limit_result.c; issue 8 "Profile count limit"): the resultData the
 * SM-DP+ forwards with HandleDownloadProgressInfo point 4 (base64 of the
 * ProfileInstallationResultData, SGP.22 5.3.5 / 6.5.2.5), outside input of the executor.
 * Properties beyond "no crash": the answer is NULL or W7402, and W7402 only when the text
 * decodes to an errorResult whose errorReason is installFailedDueToInsufficientMemoryForProfile
 * (10) (checked again here through core's codecs). */
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/sgp22_bpp.h"
#include "platform/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    const char *code = platform_profile_limit_failure_code(text, 0);
    if (code != NULL) {
        if (strcmp(code, PLATFORM_PROFILE_LIMIT_EUICC_CODE) != 0)
            abort();
        size_t text_len = strlen(text);
        uint8_t *der = malloc(text_len + 1);
        size_t len = 0;
        sgp22_profile_installation_result_data result;
        if (der == NULL)
            abort();
        if (aw_base64_decode(text, text_len, der, text_len + 1, &len) != AW_OK ||
            sgp22_decode_profile_installation_result_data(der, len, &result) != AW_OK ||
            result.final_result != SGP22_FINAL_RESULT_ERROR ||
            result.error.error_reason != SGP22_ERROR_REASON_INSUFFICIENT_MEMORY_FOR_PROFILE)
            abort();
        free(der);
    }
    free(text);
    return 0;
}
