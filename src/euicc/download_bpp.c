/* airwrite eUICC: ES10b.LoadBoundProfilePackage (SGP.22 5.7.6), the BPP
 * half of the download engine (isdr.h). Segments arrive one per STORE DATA
 * sequence (2.5.5) and are taken in order with sgp22_bpp_stream:
 *   BF36 + BF23  InitialiseSecureChannel (ES8+ 5.5.1): checks, ECKA with
 *                otSK.EUICC.ECKA, session keys (2.6.4.2)
 *   A0 / 87      ConfigureISDP (5.5.2), encrypted and MACed
 *   A1 / 88      StoreMetadata (5.5.3), MACed only
 *   A2 / 87      ReplaceSessionKeys (5.5.4), optional: PPKs for the '86'
 *   A3 / 86      profile elements, gathered into the SAIP profile package
 * then the ProfileInstallationResult (BF37) is signed and the profile handed
 * to the host. The first failure ends the session with an errorResult PIR
 * (3.1.3.3, 5.7.6), recorded as a pending notification. */
#include <stdlib.h>
#include <string.h>

#include "core/saip.h"
#include "core/sgp22_bpp_content.h"
#include "core/sgp22_notification.h"
#include "core/sgp22_tags.h"
#include "euicc/download_internal.h"

/* simaResponse of a success: one EUICCResponse (SAIP PE_Definitions)
 * whose peStatus holds a single PEStatus with status ok(0). */
static const uint8_t sima_response_ok[] = {0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00};

void download_load_clear(download_load *load)
{
    scp03t_clear(&load->bsp);
    der_builder_free(&load->data);
    der_builder_set_limit(&load->data, DOWNLOAD_PACKAGE_MAX);
    der_bytes_free(load->metadata, load->metadata_len);
    load->metadata = NULL;
    load->metadata_len = 0;
    load->has_iccid = false;
    memset(load->iccid, 0, sizeof(load->iccid));
    sgp22_bpp_stream_init(&load->stream);
    load->part = SGP22_BPP_PART_INITIALISE_SECURE_CHANNEL;
}

/* Drop the plaintext gathered for a part once it has been used. */
static void reset_part_data(download_load *load)
{
    der_builder_free(&load->data);
    der_builder_set_limit(&load->data, DOWNLOAD_PACKAGE_MAX);
}

/* BppCommandId of the command a part carries (5.7.6). */
static int64_t command_of_part(sgp22_bpp_part part)
{
    switch (part) {
    case SGP22_BPP_PART_INITIALISE_SECURE_CHANNEL:
        return SGP22_BPP_COMMAND_INITIALISE_SECURE_CHANNEL;
    case SGP22_BPP_PART_FIRST_SEQUENCE_OF87:
        return SGP22_BPP_COMMAND_CONFIGURE_ISDP;
    case SGP22_BPP_PART_SEQUENCE_OF88:
        return SGP22_BPP_COMMAND_STORE_METADATA;
    case SGP22_BPP_PART_SECOND_SEQUENCE_OF87:
        return SGP22_BPP_COMMAND_REPLACE_SESSION_KEYS;
    default:
        return SGP22_BPP_COMMAND_LOAD_PROFILE_ELEMENTS;
    }
}

/* ---- ProfileInstallationResult, 5.7.6 ------------------------------------ */

/* ProfileInstallationResultData {transactionId, notificationMetadata
 * {seqNumber, install, SM-DP+ address, iccid}, smdpOid, finalResult},
 * signed over its exact BF27 TLV into euiccSignPIR. */
static aw_err build_installation_result(const euicc_download *d, int64_t sequence_number,
                                        const sgp22_profile_installation_result_data *result,
                                        uint8_t **out, size_t *out_len)
{
    sgp22_notification_metadata metadata;
    sgp22_profile_installation_result_data data = *result;
    sgp22_profile_installation_result pir;
    uint8_t *metadata_bytes = NULL, *data_bytes = NULL;
    size_t metadata_len = 0, data_len = 0;
    uint8_t signature[CRYPTO_SIGNATURE_SIZE];
    memset(&metadata, 0, sizeof(metadata));
    metadata.seq_number = sequence_number;
    metadata.profile_management_operation = SGP22_NOTIFICATION_INSTALL;
    metadata.notification_address.ptr = d->server_address;
    metadata.notification_address.len = d->server_address_len;
    metadata.has_iccid = d->load.has_iccid;
    metadata.iccid.ptr = d->load.iccid;
    metadata.iccid.len = sizeof(d->load.iccid);
    aw_err err = sgp22_encode_notification_metadata(&metadata, &metadata_bytes, &metadata_len);
    if (err == AW_OK) {
        data.raw.ptr = NULL;
        data.raw.len = 0;
        data.transaction_id.ptr = d->transaction_id;
        data.transaction_id.len = d->transaction_id_len;
        data.notification_metadata.ptr = metadata_bytes;
        data.notification_metadata.len = metadata_len;
        /* The OID of CERT.DPpb.ECDSA, checked equal to CERT.DPauth's. */
        data.smdp_oid.ptr = d->smdp_oid;
        data.smdp_oid.len = d->smdp_oid_len;
        err = sgp22_encode_profile_installation_result_data(&data, &data_bytes, &data_len);
    }
    if (err == AW_OK)
        err = download_sign(d, data_bytes, data_len, signature);
    if (err == AW_OK) {
        memset(&pir, 0, sizeof(pir));
        pir.data.raw.ptr = data_bytes;
        pir.data.raw.len = data_len;
        pir.euicc_sign_pir.ptr = signature;
        pir.euicc_sign_pir.len = sizeof(signature);
        err = sgp22_encode_profile_installation_result(&pir, out, out_len);
    }
    free(data_bytes);
    free(metadata_bytes);
    return err;
}

/* errorResult PIR with a given seqNumber, reported to the host as a failed
 * installation; the session ends. */
static aw_err answer_failure_numbered(euicc_download *d, int64_t sequence_number,
                                      int64_t command, int64_t reason, uint8_t **response,
                                      size_t *response_len)
{
    sgp22_profile_installation_result_data result;
    memset(&result, 0, sizeof(result));
    result.final_result = SGP22_FINAL_RESULT_ERROR;
    result.error.bpp_command_id = command;
    result.error.error_reason = reason;
    aw_err err = build_installation_result(d, sequence_number, &result, response, response_len);
    if (err == AW_OK) {
        aw_slice pir = {*response, *response_len};
        err = d->host.record_failed_installation(d->host.ctx, pir, sequence_number);
    }
    if (err != AW_OK) {
        free(*response);
        *response = NULL;
        *response_len = 0;
    }
    download_clear_session(d);
    return err;
}

static aw_err answer_failure(euicc_download *d, int64_t command, int64_t reason,
                             uint8_t **response, size_t *response_len)
{
    int64_t sequence_number = 0;
    aw_err err = d->host.next_sequence_number(d->host.ctx, &sequence_number);
    if (err != AW_OK) {
        download_clear_session(d);
        return err;
    }
    return answer_failure_numbered(d, sequence_number, command, reason, response, response_len);
}

/* ---- InitialiseSecureChannel, ES8+ 5.5.1 / 2.6.4.2 ------------------------ */

static aw_err verify_smdp_sign(const euicc_download *d,
                               const sgp22_initialise_secure_channel_request *request,
                               bool *valid)
{
    der_builder b;
    uint8_t *signed_bytes = NULL;
    size_t signed_len = 0;
    *valid = false;
    /* smdpSign covers remoteOpId .. smdpOtpk as received, followed by the
     * eUICC's otPK.EUICC.ECKA data object (5F49). */
    der_builder_init(&b);
    der_put_raw(&b, request->signed_part.ptr, request->signed_part.len);
    der_put_tlv(&b, SGP22_TAG_EUICC_OTPK, d->one_time_point, CRYPTO_POINT_SIZE);
    aw_err err = der_builder_finish(&b, &signed_bytes, &signed_len);
    if (err != AW_OK)
        return err;
    *valid = crypto_verify_ecdsa(d->dp_pb_key, signed_bytes, signed_len, request->smdp_sign.ptr,
                                 request->smdp_sign.len) == AW_OK;
    free(signed_bytes);
    return AW_OK;
}

static aw_err open_secure_channel(euicc_download *d, aw_slice element, int64_t *reason)
{
    sgp22_initialise_secure_channel_request request;
    uint8_t shared_secret[CRYPTO_SHARED_SECRET_SIZE];
    crypto_session_keys keys;
    bool valid = false;
    aw_err err = sgp22_decode_initialise_secure_channel_request(element.ptr, element.len,
                                                                &request);
    if (err != AW_OK) {
        *reason = SGP22_ERROR_REASON_INCORRECT_INPUT_VALUES;
        return AW_OK;
    }
    if (request.remote_op_id != SGP22_REMOTE_OP_ID_INSTALL_BOUND_PROFILE_PACKAGE) {
        *reason = SGP22_ERROR_REASON_UNSUPPORTED_REMOTE_OPERATION_TYPE;
        return AW_OK;
    }
    if (request.control_ref_template.key_type != CRYPTO_BSP_KEY_TYPE_AES ||
        request.control_ref_template.key_len != CRYPTO_BSP_KEY_LENGTH) {
        *reason = SGP22_ERROR_REASON_UNSUPPORTED_CRT_VALUES;
        return AW_OK;
    }
    if (!download_transaction_matches(d, request.transaction_id)) {
        *reason = SGP22_ERROR_REASON_INVALID_TRANSACTION_ID;
        return AW_OK;
    }
    err = verify_smdp_sign(d, &request, &valid);
    if (err != AW_OK)
        return err;
    if (!valid) {
        *reason = SGP22_ERROR_REASON_INVALID_SIGNATURE;
        return AW_OK;
    }
    /* 2.6.4.2: ShS = ECKA(otSK.EUICC.ECKA, otPK.DP.ECKA), then the KDF with
     * the CRT's hostId and the EID. */
    err = crypto_key_agreement(d->one_time_key, request.smdp_otpk.ptr, request.smdp_otpk.len,
                               shared_secret);
    if (err == AW_ERR_CRYPTO_KEY) {
        *reason = SGP22_ERROR_REASON_INCORRECT_INPUT_VALUES;
        return AW_OK;
    }
    if (err == AW_OK)
        err = crypto_derive_session_keys(shared_secret, request.control_ref_template.host_id.ptr,
                                         request.control_ref_template.host_id.len,
                                         d->identity->eid_bytes, &keys);
    crypto_cleanse(shared_secret, sizeof(shared_secret));
    if (err != AW_OK) /* hostId is 1..16 bytes once decoded: not the SM-DP+'s fault */
        return err;
    scp03t_init_session(&d->load.bsp, &keys);
    crypto_session_keys_clear(&keys);
    /* otSK.EUICC.ECKA has served its one use. */
    download_forget_one_time_key(d);
    return AW_OK;
}

/* ---- protected segments (2.6.4 SCP03t) ------------------------------------ */

/* Open one segment with the current BSP state and append its plaintext to
 * the part's data. */
static aw_err take_protected(download_load *load, uint8_t tag, scp03t_protection protection,
                             aw_slice element, int64_t *reason)
{
    uint8_t plain[SCP03T_DATA_MAX];
    size_t plain_len = 0;
    if (element.len == 0) /* a list header sent alone */
        return AW_OK;
    aw_err err = scp03t_unprotect_segment(&load->bsp, tag, protection, element.ptr, element.len,
                                          plain, sizeof(plain), &plain_len);
    if (err == AW_OK) {
        der_put_raw(&load->data, plain, plain_len);
        err = load->data.err;
        if (err == AW_ERR_LIMIT) {
            *reason = SGP22_ERROR_REASON_INSUFFICIENT_MEMORY_FOR_PROFILE;
            err = AW_OK;
        }
    } else if (err == AW_ERR_MAC) {
        *reason = SGP22_ERROR_REASON_SCP03T_SECURITY_ERROR;
        err = AW_OK;
    } else if (err != AW_ERR_NOMEM) {
        *reason = SGP22_ERROR_REASON_SCP03T_STRUCTURE_ERROR;
        err = AW_OK;
    }
    crypto_cleanse(plain, sizeof(plain));
    return err;
}

/* ConfigureISDP (5.5.2): its content is the SM-DP+'s own; it must decode. */
static void finish_configure_isdp(download_load *load, int64_t *reason)
{
    sgp22_configure_isdp_request request;
    if (load->data.len == 0 ||
        sgp22_decode_configure_isdp_request(load->data.buf, load->data.len, &request) != AW_OK)
        *reason = SGP22_ERROR_REASON_INCORRECT_INPUT_VALUES;
    reset_part_data(load);
}

/* StoreMetadata (5.5.3): a profile with this ICCID must not exist, and
 * there must be room for another one (5.7.6). */
static aw_err finish_store_metadata(euicc_download *d, int64_t *reason)
{
    download_load *load = &d->load;
    sgp22_store_metadata_request request;
    aw_err err = AW_OK;
    if (load->data.len == 0 ||
        sgp22_decode_store_metadata_request(load->data.buf, load->data.len, &request) !=
            AW_OK ||
        request.iccid.len != EUICC_ICCID_SIZE) {
        *reason = SGP22_ERROR_REASON_INCORRECT_INPUT_VALUES;
    } else {
        memcpy(load->iccid, request.iccid.ptr, EUICC_ICCID_SIZE);
        load->has_iccid = true;
        if (d->host.iccid_exists(d->host.ctx, load->iccid)) {
            *reason = SGP22_ERROR_REASON_ICCID_ALREADY_EXISTS_ON_EUICC;
        } else if (!d->host.has_room(d->host.ctx)) {
            *reason = SGP22_ERROR_REASON_INSUFFICIENT_MEMORY_FOR_PROFILE;
        } else {
            load->metadata = malloc(load->data.len);
            if (load->metadata == NULL) {
                err = AW_ERR_NOMEM;
            } else {
                memcpy(load->metadata, load->data.buf, load->data.len);
                load->metadata_len = load->data.len;
            }
        }
    }
    reset_part_data(load);
    return err;
}

/* ReplaceSessionKeys (5.5.4): the '86' segments that follow are protected
 * with PPK-ENC / PPK-MAC and their initial chaining value, counter from 1. */
static void finish_replace_session_keys(download_load *load, int64_t *reason)
{
    sgp22_replace_session_keys_request request;
    if (load->data.len == 0 ||
        sgp22_decode_replace_session_keys_request(load->data.buf, load->data.len, &request) !=
            AW_OK ||
        request.ppk_enc.len != CRYPTO_AES_KEY_SIZE || request.ppk_cmac.len != CRYPTO_AES_KEY_SIZE ||
        request.initial_mac_chaining_value.len != 16) {
        *reason = SGP22_ERROR_REASON_INCORRECT_INPUT_VALUES;
    } else {
        scp03t_clear(&load->bsp);
        scp03t_init(&load->bsp, request.ppk_enc.ptr, request.ppk_cmac.ptr,
                    request.initial_mac_chaining_value.ptr);
    }
    reset_part_data(load); /* erases the PPKs */
}

/* ---- installation --------------------------------------------------------- */

/* ICCID digits as EF.ICCID codes them (ETSI TS 102 221 13.2): digits
 * nibble-swapped, F-padded to 20. */
static void iccid_text_to_bytes(const char *text, uint8_t out[EUICC_ICCID_SIZE])
{
    size_t n = strlen(text);
    memset(out, 0, EUICC_ICCID_SIZE);
    for (size_t i = 0; i < 2 * EUICC_ICCID_SIZE; i++) {
        uint8_t nibble = i < n ? (uint8_t)(text[i] - '0') : 0x0F;
        out[i / 2] |= (uint8_t)(i % 2 == 0 ? nibble : nibble << 4);
    }
}

/* The package in the '86' segments: a SAIP profile package for the ICCID of
 * the metadata. 0 or the ErrorReason. */
static aw_err check_package(const download_load *load, int64_t *reason)
{
    saip_profile *profile = NULL;
    char iccid_text[SAIP_ICCID_TEXT];
    uint8_t iccid[EUICC_ICCID_SIZE];
    aw_err err = load->data.len == 0 ? AW_ERR_SAIP_HEADER
                                     : saip_profile_parse(load->data.buf, load->data.len,
                                                          &profile);
    if (err == AW_OK)
        err = saip_get_iccid(profile, iccid_text);
    saip_profile_free(profile);
    if (err == AW_ERR_NOMEM)
        return err;
    if (err != AW_OK) {
        *reason = SGP22_ERROR_REASON_PE_PROCESSING_ERROR;
        return AW_OK;
    }
    iccid_text_to_bytes(iccid_text, iccid);
    if (!load->has_iccid || memcmp(iccid, load->iccid, EUICC_ICCID_SIZE) != 0)
        *reason = SGP22_ERROR_REASON_DATA_MISMATCH;
    return AW_OK;
}

/* Last segment taken: sign the successResult PIR and commit (5.7.6). */
static aw_err install_profile(euicc_download *d, uint8_t **response, size_t *response_len)
{
    download_load *load = &d->load;
    euicc_installed_profile installed;
    sgp22_profile_installation_result_data result;
    uint8_t *pir = NULL;
    size_t pir_len = 0;
    int64_t reason = 0;
    aw_err err = check_package(load, &reason);
    if (err != AW_OK || reason != 0)
        goto done;
    memset(&installed, 0, sizeof(installed));
    err = d->host.allocate_isdp_aid(d->host.ctx, installed.isdp_aid, &installed.isdp_aid_len);
    if (err == AW_OK && (installed.isdp_aid_len < 5 || installed.isdp_aid_len > EUICC_AID_MAX))
        err = AW_ERR_ARGUMENT; /* isdpAid SIZE(5..16) */
    if (err == AW_OK)
        err = d->host.next_sequence_number(d->host.ctx, &installed.sequence_number);
    if (err != AW_OK)
        goto done;
    memset(&result, 0, sizeof(result));
    result.final_result = SGP22_FINAL_RESULT_SUCCESS;
    result.success.aid.ptr = installed.isdp_aid;
    result.success.aid.len = installed.isdp_aid_len;
    result.success.sima_response.ptr = sima_response_ok;
    result.success.sima_response.len = sizeof(sima_response_ok);
    err = build_installation_result(d, installed.sequence_number, &result, &pir, &pir_len);
    if (err != AW_OK)
        goto done;
    memcpy(installed.iccid, load->iccid, EUICC_ICCID_SIZE);
    installed.store_metadata.ptr = load->metadata;
    installed.store_metadata.len = load->metadata_len;
    installed.profile_package.ptr = load->data.buf;
    installed.profile_package.len = load->data.len;
    installed.installation_result.ptr = pir;
    installed.installation_result.len = pir_len;
    if (d->host.commit_profile(d->host.ctx, &installed) != AW_OK) {
        /* Nothing was installed: the same seqNumber reports the failure. */
        free(pir);
        return answer_failure_numbered(d, installed.sequence_number,
                                       SGP22_BPP_COMMAND_LOAD_PROFILE_ELEMENTS,
                                       SGP22_ERROR_REASON_UNKNOWN_ERROR, response,
                                       response_len);
    }
    *response = pir;
    *response_len = pir_len;
done:
    if (err == AW_OK && reason != 0)
        return answer_failure(d, SGP22_BPP_COMMAND_LOAD_PROFILE_ELEMENTS, reason, response,
                              response_len);
    download_clear_session(d);
    return err;
}

/* ---- ES10b.LoadBoundProfilePackage, 5.7.6 --------------------------------- */

/* Take the segment's element for its part; finish the part when its list
 * is complete. */
static aw_err take_segment(euicc_download *d, const sgp22_bpp_segment *segment,
                           int64_t *reason)
{
    download_load *load = &d->load;
    bool list_done = load->stream.list_remaining == 0;
    aw_err err = AW_OK;
    switch (segment->part) {
    case SGP22_BPP_PART_INITIALISE_SECURE_CHANNEL:
        return open_secure_channel(d, segment->element, reason);
    case SGP22_BPP_PART_FIRST_SEQUENCE_OF87:
        err = take_protected(load, SCP03T_TAG_ENCRYPTED_REQUEST, SCP03T_ENCRYPT_AND_MAC,
                             segment->element, reason);
        if (err == AW_OK && *reason == 0 && list_done)
            finish_configure_isdp(load, reason);
        return err;
    case SGP22_BPP_PART_SEQUENCE_OF88:
        err = take_protected(load, SCP03T_TAG_METADATA, SCP03T_MAC_ONLY, segment->element,
                             reason);
        if (err == AW_OK && *reason == 0 && list_done)
            err = finish_store_metadata(d, reason);
        return err;
    case SGP22_BPP_PART_SECOND_SEQUENCE_OF87:
        err = take_protected(load, SCP03T_TAG_ENCRYPTED_REQUEST, SCP03T_ENCRYPT_AND_MAC,
                             segment->element, reason);
        if (err == AW_OK && *reason == 0 && list_done)
            finish_replace_session_keys(load, reason);
        return err;
    case SGP22_BPP_PART_SEQUENCE_OF86:
        /* The stream opens A3 only after the whole A1, so StoreMetadata
         * has been checked by now. */
        return take_protected(load, SCP03T_TAG_PROFILE_ELEMENT, SCP03T_ENCRYPT_AND_MAC,
                              segment->element, reason);
    }
    return AW_ERR_STATE;
}

aw_err euicc_download_load_segment(euicc_download *download, const uint8_t *segment, size_t len,
                                   uint8_t **response, size_t *response_len)
{
    sgp22_bpp_segment taken;
    int64_t reason = 0;
    if (response == NULL || response_len == NULL)
        return AW_ERR_ARGUMENT;
    *response = NULL;
    *response_len = 0;
    if (download == NULL || segment == NULL)
        return AW_ERR_ARGUMENT;
    /* Only after a successful PrepareDownload (3.1.3.2): without a session
     * there is no transactionId to report a result for. */
    if (download->stage != DOWNLOAD_PREPARED && download->stage != DOWNLOAD_LOADING)
        return AW_ERR_STATE;
    download_load *load = &download->load;
    if (download->stage == DOWNLOAD_PREPARED) {
        download_load_clear(load);
        download->stage = DOWNLOAD_LOADING;
    }
    if (sgp22_bpp_stream_feed(&load->stream, segment, len, &taken) != AW_OK)
        /* Out of order, wrong tag, lengths that do not add up (2.5.5). */
        return answer_failure(download, command_of_part(load->part),
                              SGP22_ERROR_REASON_SCP03T_STRUCTURE_ERROR, response, response_len);
    load->part = taken.part;
    aw_err err = take_segment(download, &taken, &reason);
    if (err != AW_OK) {
        download_clear_session(download);
        return err;
    }
    if (reason != 0)
        return answer_failure(download, command_of_part(taken.part), reason, response,
                              response_len);
    if (taken.part == SGP22_BPP_PART_SEQUENCE_OF86 && sgp22_bpp_stream_complete(&load->stream))
        return install_profile(download, response, response_len);
    return AW_OK;
}
