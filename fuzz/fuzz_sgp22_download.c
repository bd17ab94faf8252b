/* libFuzzer target: the SGP.22 download messages and the Bound Profile
 * Package (src/core/sgp22_download.c ES10b 5.7.5/5.7.14, sgp22_bpp.c and
 * sgp22_bpp_content.c 2.5.4/5.5/5.7.6, sgp22_bpp_segment.c 2.5.5, and the
 * ES9+ GetBoundProfilePackage/CancelSession forms of sgp22_es9.c). Every
 * decoder sees the input and whatever one accepts must re-encode to the
 * same bytes (also with signed parts rebuilt from their fields). A BPP that
 * decodes is split into segments the eUICC stream must take back in full;
 * the input is also cut into segments (lengths from its first bytes) and
 * fed to a stream, which must fail cleanly or complete. */
#include <string.h>

#include "core/sgp22_bpp.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_download.h"
#include "core/sgp22_es9.h"
#include "sgp22_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEGMENTS 16

static void check_segments(const uint8_t *data, size_t size)
{
    sgp22_bpp_splitter splitter;
    sgp22_bpp_stream stream;
    sgp22_bpp_segment seg, got;
    size_t offset = 0;
    if (sgp22_bpp_splitter_init(&splitter, data, size) != AW_OK)
        return;
    sgp22_bpp_stream_init(&stream);
    while (sgp22_bpp_splitter_next(&splitter, &seg) == AW_OK) {
        if (seg.bytes.ptr != data + offset)
            abort(); /* segments tile the BPP in order */
        offset += seg.bytes.len;
        if (sgp22_bpp_stream_feed(&stream, seg.bytes.ptr, seg.bytes.len, &got) != AW_OK ||
            got.part != seg.part || got.element.len != seg.element.len)
            abort(); /* the eUICC must take back what the LPA split */
    }
    if (offset != size || !sgp22_bpp_stream_complete(&stream))
        abort();
}

/* data[0] low nibble: segment count n; data[1..n]: lengths; rest: bytes */
static void feed_cut_input(const uint8_t *data, size_t size)
{
    sgp22_bpp_stream stream;
    sgp22_bpp_segment got;
    if (size == 0)
        return;
    size_t n = data[0] & 0x0Fu;
    if (size < 1 + n)
        return;
    const uint8_t *p = data + 1 + n;
    size_t left = size - 1 - n;
    sgp22_bpp_stream_init(&stream);
    for (size_t i = 0; i <= n && left > 0; i++) {
        size_t len = i < n ? data[1 + i] : left;
        if (len > left)
            len = left;
        if (sgp22_bpp_stream_feed(&stream, p, len, &got) != AW_OK)
            return;
        if (got.bytes.ptr != p || got.bytes.len != len)
            abort();
        p += len;
        left -= len;
    }
}

static void clear_bpp(sgp22_bound_profile_package *b)
{
    memset(&b->initialise_secure_channel_request.raw, 0,
           sizeof(b->initialise_secure_channel_request.raw));
}

static void clear_prepare_download_response(sgp22_prepare_download_response *r)
{
    if (r->kind == SGP22_RESPONSE_OK)
        memset(&r->ok.euicc_signed2.raw, 0, sizeof(r->ok.euicc_signed2.raw));
}

static void clear_cancel_session_response(sgp22_cancel_session_response *r)
{
    if (r->kind == SGP22_RESPONSE_OK)
        memset(&r->ok.euicc_cancel_session_signed.raw, 0,
               sizeof(r->ok.euicc_cancel_session_signed.raw));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FUZZ_ROUND_TRIP(prepare_download_request, sgp22_prepare_download_request,
                    memset(&v_.smdp_signed2.raw, 0, sizeof(v_.smdp_signed2.raw)));
    FUZZ_ROUND_TRIP(prepare_download_response, sgp22_prepare_download_response,
                    clear_prepare_download_response(&v_));
    FUZZ_ROUND_TRIP(cancel_session_request, sgp22_cancel_session_request, (void)0);
    FUZZ_ROUND_TRIP(cancel_session_response, sgp22_cancel_session_response,
                    clear_cancel_session_response(&v_));
    FUZZ_ROUND_TRIP(initialise_secure_channel_request, sgp22_initialise_secure_channel_request,
                    (void)0);
    FUZZ_ROUND_TRIP(bound_profile_package, sgp22_bound_profile_package, clear_bpp(&v_));
    FUZZ_ROUND_TRIP(store_metadata_request, sgp22_store_metadata_request, (void)0);
    FUZZ_ROUND_TRIP(configure_isdp_request, sgp22_configure_isdp_request, (void)0);
    FUZZ_ROUND_TRIP(replace_session_keys_request, sgp22_replace_session_keys_request, (void)0);
    FUZZ_ROUND_TRIP(profile_installation_result, sgp22_profile_installation_result,
                    memset(&v_.data.raw, 0, sizeof(v_.data.raw)));
    FUZZ_ROUND_TRIP(get_bound_profile_package_request, sgp22_get_bound_profile_package_request,
                    memset(&v_.prepare_download_response.raw, 0,
                           sizeof(v_.prepare_download_response.raw));
                    clear_prepare_download_response(&v_.prepare_download_response));
    FUZZ_ROUND_TRIP(get_bound_profile_package_response, sgp22_get_bound_profile_package_response,
                    if (v_.kind == SGP22_RESPONSE_OK) {
                        memset(&v_.ok.bound_profile_package.raw, 0,
                               sizeof(v_.ok.bound_profile_package.raw));
                        clear_bpp(&v_.ok.bound_profile_package);
                    });
    FUZZ_ROUND_TRIP(cancel_session_request_es9, sgp22_cancel_session_request_es9,
                    memset(&v_.cancel_session_response.raw, 0,
                           sizeof(v_.cancel_session_response.raw));
                    clear_cancel_session_response(&v_.cancel_session_response));
    FUZZ_ROUND_TRIP(cancel_session_response_es9, sgp22_cancel_session_response_es9, (void)0);
    check_segments(data, size);
    feed_cut_input(data, size);
    return 0;
}
