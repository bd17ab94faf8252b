/* airwrite IPA: the poll loop's journal, one operation in flight kept
 * across a crash so that no EuiccPackageResult (SGP.32 2.11.1.2) or other
 * eIM Package result is lost before the eIM has it, and no
 * EimAcknowledgements (6.3.2.7) before the eUICC has them. See esipa.h.
 * The file is replaced atomically (core/file.h), so it always holds either
 * the previous or the new state. */
#include "ipa/ipa.h"

#include <stdlib.h>
#include <string.h>

#include "core/der.h"
#include "core/file.h"

#define JOURNAL_VERSION 1

aw_err ipa_journal_decode(const uint8_t *buf, size_t len, ipa_journal *out)
{
    memset(out, 0, sizeof(*out));
    der_node outer, node;
    der_reader top, r;
    int64_t version = 0, state = 0;
    bool has_message = false, has_acks = false;
    der_reader_init(&top, buf, len);
    if (der_read_expect(&top, DER_TAG_SEQUENCE, &outer) != AW_OK ||
        der_reader_finish(&top) != AW_OK || der_reader_enter(&top, &outer, &r) != AW_OK)
        return AW_ERR_IPA_JOURNAL;
    if (der_read_expect(&r, DER_CTX(0), &node) != AW_OK ||
        der_node_get_int64(&node, &version) != AW_OK || version != JOURNAL_VERSION ||
        der_read_expect(&r, DER_CTX(1), &node) != AW_OK ||
        der_node_get_int64(&node, &state) != AW_OK || state < IPA_JOURNAL_IDLE ||
        state > IPA_JOURNAL_ACKNOWLEDGING ||
        der_read_optional(&r, DER_CTX(2), &node, &has_message) != AW_OK)
        return AW_ERR_IPA_JOURNAL;
    aw_slice message = node.value;
    if (der_read_optional(&r, DER_CTX(3), &node, &has_acks) != AW_OK ||
        der_reader_finish(&r) != AW_OK)
        return AW_ERR_IPA_JOURNAL;
    aw_slice acks = node.value;
    /* exactly the fields of the state, each a message the codecs accept */
    if (has_message != (state == IPA_JOURNAL_DELIVERING) ||
        has_acks != (state == IPA_JOURNAL_ACKNOWLEDGING))
        return AW_ERR_IPA_JOURNAL;
    if (has_message) {
        sgp32_provide_eim_package_result *p = malloc(sizeof(*p));
        if (p == NULL)
            return AW_ERR_NOMEM;
        aw_err err = sgp32_decode_provide_eim_package_result(message.ptr, message.len, p);
        free(p);
        if (err != AW_OK)
            return AW_ERR_IPA_JOURNAL;
        out->message = message;
    }
    if (has_acks) {
        sgp32_eim_acknowledgements *a = malloc(sizeof(*a));
        if (a == NULL)
            return AW_ERR_NOMEM;
        aw_err err = sgp32_decode_eim_acknowledgements(acks.ptr, acks.len, a);
        free(a);
        if (err != AW_OK)
            return AW_ERR_IPA_JOURNAL;
        out->acknowledgements = acks;
    }
    out->state = (ipa_journal_state)state;
    return AW_OK;
}

aw_err ipa_journal_encode(const ipa_journal *journal, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (journal->state < IPA_JOURNAL_IDLE || journal->state > IPA_JOURNAL_ACKNOWLEDGING ||
        (journal->state == IPA_JOURNAL_DELIVERING) != (journal->message.len > 0) ||
        (journal->state == IPA_JOURNAL_ACKNOWLEDGING) != (journal->acknowledgements.len > 0))
        return AW_ERR_ARGUMENT;
    der_builder b;
    der_builder_init(&b);
    der_builder_begin(&b, DER_TAG_SEQUENCE);
    der_put_int64(&b, DER_CTX(0), JOURNAL_VERSION);
    der_put_int64(&b, DER_CTX(1), journal->state);
    if (journal->message.len > 0)
        der_put_slice(&b, DER_CTX(2), journal->message);
    if (journal->acknowledgements.len > 0)
        der_put_slice(&b, DER_CTX(3), journal->acknowledgements);
    der_builder_end(&b);
    return der_builder_finish(&b, out, out_len);
}

aw_err ipa_journal_read(const char *path, uint8_t **buffer, ipa_journal *out)
{
    *buffer = NULL;
    memset(out, 0, sizeof(*out));
    size_t len = 0;
    aw_err err = aw_file_read(path, IPA_JOURNAL_MAX, buffer, &len);
    if (err == AW_ERR_NOT_FOUND)
        return AW_OK;
    if (err == AW_OK)
        err = ipa_journal_decode(*buffer, len, out);
    if (err != AW_OK) {
        free(*buffer);
        *buffer = NULL;
    }
    return err;
}

aw_err ipa_journal_write(const char *path, const ipa_journal *journal)
{
    uint8_t *data = NULL;
    size_t len = 0;
    aw_err err = ipa_journal_encode(journal, &data, &len);
    if (err == AW_OK)
        err = len > IPA_JOURNAL_MAX ? AW_ERR_LIMIT
                                    : aw_file_write_atomic(path, data, len, 0600);
    free(data);
    return err;
}
