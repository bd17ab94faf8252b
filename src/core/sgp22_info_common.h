/* airwrite core: pieces shared by the SGP.22 eUICC-info, profile-info and
 * notification codecs (sgp22_euicc_info, sgp22_profile_info,
 * sgp22_notification), from the SGP.22 RSPDefinitions module.
 *
 * - Named BIT STRINGs (NotificationEvent, PprIds, RspCapability, ...) are
 *   held as a uint32_t of flags: ASN.1 bit n is (1u << n). They must be DER
 *   (X.690 11.2.2: no trailing zero bits) and at most 32 bits long.
 * - SEQUENCE OF lists of unbounded length are kept as the raw contents of
 *   the SEQUENCE OF plus an element count; every element is checked when the
 *   enclosing message is decoded, and sgp22_list_iter walks them one at a
 *   time (no fixed capacity). To encode a list, point `items` at an array.
 * - RSPDefinitions is "AUTOMATIC TAGS EXTENSIBILITY IMPLIED": every SEQUENCE
 *   is extensible, so components after the known ones are accepted as
 *   extension additions of a later version and kept in `extensions` (their
 *   whole TLVs, framing checked), which encoders write back verbatim. A
 *   CHOICE alternative the module does not define is refused.
 * - The sgp22_info_* functions at the end are internal helpers of the
 *   aw_sgp22_info library.
 */
#ifndef AIRWRITE_CORE_SGP22_INFO_COMMON_H
#define AIRWRITE_CORE_SGP22_INFO_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/der.h"
#include "core/error.h"

/* Fixed sizes from RSPDefinitions */
#define SGP22_ICCID_SIZE 10u          /* Iccid: OCTET STRING (SIZE(10)) */
#define SGP22_EID_SIZE 16u            /* GetEuiccDataResponse eidValue: Octet16 */
#define SGP22_VERSION_SIZE 3u         /* VersionType: major, minor, revision */
#define SGP22_AID_MAX 16u             /* OctetTo16 (isdpAid) */

/* PprIds named bits (SGP.22 RSPDefinitions PprIds, 2.4.5 PPRs) */
#define SGP22_PPR_UPDATE_CONTROL (1u << 0)
#define SGP22_PPR1 (1u << 1) /* disabling of this Profile is not allowed */
#define SGP22_PPR2 (1u << 2) /* deletion of this Profile is not allowed */

/* NotificationEvent named bits (SGP.22 RSPDefinitions, 2.6.6 / 5.7.9) */
#define SGP22_NOTIFICATION_INSTALL (1u << 0)
#define SGP22_NOTIFICATION_ENABLE (1u << 1)
#define SGP22_NOTIFICATION_DISABLE (1u << 2)
#define SGP22_NOTIFICATION_DELETE (1u << 3)

/* A BIT STRING kept as it was received: unused-bit count and data octets
 * (used for UICCCapability, whose bits are defined by SIMalliance PEDefinitions). */
typedef struct sgp22_bit_string {
    aw_slice bits;
    unsigned unused_bits;
} sgp22_bit_string;

/* Iterator over the elements of a SEQUENCE OF kept raw. */
typedef struct sgp22_list_iter {
    der_reader reader;
} sgp22_list_iter;

/* Start iterating over `contents`, the content octets of a SEQUENCE OF
 * (the `raw` member of any sgp22_*_list). */
void sgp22_list_iter_init(sgp22_list_iter *it, aw_slice contents);

/* A list of OCTET STRINGs: SEQUENCE OF SubjectKeyIdentifier (tag 04) or
 * SEQUENCE OF VersionType (tag 04, SIZE(3)). Decoded: raw/count; encode:
 * items[0..count) when items is not NULL, otherwise raw verbatim. */
typedef struct sgp22_octets_list {
    aw_slice raw;
    size_t count;
    const aw_slice *items;
} sgp22_octets_list;

/* Next OCTET STRING of an sgp22_octets_list. AW_ERR_NOT_FOUND at the end. */
aw_err sgp22_octets_list_next(sgp22_list_iter *it, aw_slice *out);

/* SGP.22 RSPDefinitions OperatorId (ProfileInfo profileOwner, RAT allowedOperators) */
typedef struct sgp22_operator_id {
    aw_slice mcc_mnc;   /* [0] OCTET STRING (SIZE(3)), 3GPP TS 24.008 coding */
    bool has_gid1;
    aw_slice gid1;      /* [1] OCTET STRING: content of EF GID1 */
    bool has_gid2;
    aw_slice gid2;      /* [2] OCTET STRING: content of EF GID2 */
    aw_slice extensions; /* unknown trailing components, kept verbatim */
} sgp22_operator_id;

/* SEQUENCE OF OperatorId (elements tagged 30). */
typedef struct sgp22_operator_id_list {
    aw_slice raw;
    size_t count;
    const sgp22_operator_id *items;
} sgp22_operator_id_list;

/* Decode one OperatorId TLV carrying `tag` (30 in lists, B7 as profileOwner). */
aw_err sgp22_decode_operator_id(const uint8_t *buf, size_t len, uint32_t tag,
                                sgp22_operator_id *out);
void sgp22_put_operator_id(der_builder *b, uint32_t tag, const sgp22_operator_id *in);
aw_err sgp22_operator_id_list_next(sgp22_list_iter *it, sgp22_operator_id *out);

/* ---- internal helpers of aw_sgp22_info ------------------------------- */

/* One component of a SEQUENCE, in definition order. */
typedef struct sgp22_info_field {
    uint32_t tag;
    bool optional;
} sgp22_info_field;

/* Called for each component present, with its index in the field table. */
typedef aw_err (*sgp22_info_visit_fn)(void *ctx, size_t index, const der_reader *parent,
                                      const der_node *node);

/* Walk the components of a SEQUENCE in order against its field table:
 * AW_ERR_DER_MISSING when a mandatory component is absent,
 * AW_ERR_DER_ORDER when a known component comes out of order or twice.
 * Components the table does not define, after all mandatory ones, are
 * extension additions: *extensions spans them (empty when there are none). */
aw_err sgp22_info_walk(der_reader *r, const sgp22_info_field *fields, size_t count,
                       sgp22_info_visit_fn visit, void *ctx, aw_slice *extensions);

/* Decode exactly one TLV with `tag` from buf and open a reader on its
 * contents (tag checked: AW_ERR_DER_UNEXPECTED_TAG). */
aw_err sgp22_info_open(const uint8_t *buf, size_t len, uint32_t tag, der_node *top,
                       der_reader *inner);

/* Decode a request without content (an empty SEQUENCE with `tag`). */
aw_err sgp22_info_decode_empty(const uint8_t *buf, size_t len, uint32_t tag, aw_slice *raw,
                               aw_slice *extensions);

/* Decode a SEQUENCE with one component `field` (then extensions): *n is
 * that component and *present tells whether it was there (field.optional);
 * r is left on the SEQUENCE's contents, as parent for *n. */
aw_err sgp22_info_decode_single(const uint8_t *buf, size_t len, uint32_t tag,
                                sgp22_info_field field, der_node *top, der_reader *r,
                                der_node *n, bool *present, aw_slice *extensions);

/* Decode a response SEQUENCE whose one component is [0] INTEGER (the
 * result codes of ES10b/ES10c functions), and write one. */
aw_err sgp22_info_decode_result(const uint8_t *buf, size_t len, uint32_t tag, aw_slice *raw,
                                int64_t *result, aw_slice *extensions);
void sgp22_info_put_result(der_builder *b, uint32_t tag, int64_t result, aw_slice extensions);

/* Read the single alternative inside an explicit tag (a tagged CHOICE). */
aw_err sgp22_info_read_explicit(const der_reader *parent, const der_node *node,
                                der_node *inner);

/* Primitive OCTET STRING of [min, max] octets (AW_ERR_DER_CONSTRAINT). */
aw_err sgp22_info_read_octets(const der_node *n, size_t min, size_t max, aw_slice *out);
/* UTF8String: well-formed UTF-8 with [min, max] characters (X.680 SIZE
 * counts characters). max SIZE_MAX for no upper bound. */
aw_err sgp22_info_read_utf8(const der_node *n, size_t min, size_t max, aw_slice *out);
/* Named BIT STRING into flags (see top of file). */
aw_err sgp22_info_read_flags(const der_node *n, uint32_t *flags);
/* Any BIT STRING kept as received. */
aw_err sgp22_info_read_bits(const der_node *n, sgp22_bit_string *out);
/* Constructed component kept raw: its whole TLV, framing checked. */
aw_err sgp22_info_read_raw(const der_node *n, aw_slice *out);

/* OperatorId components of a constructed node (any tag). */
aw_err sgp22_info_read_operator_id(const der_reader *parent, const der_node *n,
                                   sgp22_operator_id *out);
/* SEQUENCE OF OperatorId from items or raw. */
void sgp22_info_put_operator_id_list(der_builder *b, uint32_t tag,
                                     const sgp22_operator_id_list *list);

/* Write flags as a DER named BIT STRING. */
void sgp22_info_put_flags(der_builder *b, uint32_t tag, uint32_t flags);
/* Write a SEQUENCE OF OCTET STRING from items or raw (see sgp22_octets_list). */
void sgp22_info_put_octets_list(der_builder *b, uint32_t tag, const sgp22_octets_list *list);
/* Record an encoder argument error in the sticky builder. */
void sgp22_info_fail(der_builder *b, aw_err err);

/* Check every element of a SEQUENCE OF and count them. */
typedef aw_err (*sgp22_info_element_fn)(const der_reader *parent, const der_node *node);
aw_err sgp22_info_read_list(const der_reader *parent, const der_node *node,
                            sgp22_info_element_fn check, aw_slice *raw, size_t *count);

/* Run an encoder into a fresh allocation (for sgp22_encode_*). */
#define SGP22_INFO_DEFINE_ENCODE(type)                                                 \
    aw_err sgp22_encode_##type(const sgp22_##type *in, uint8_t **out, size_t *len)     \
    {                                                                                  \
        if (out != NULL)                                                               \
            *out = NULL;                                                               \
        if (len != NULL)                                                               \
            *len = 0;                                                                  \
        if (in == NULL || out == NULL || len == NULL)                                  \
            return AW_ERR_ARGUMENT;                                                    \
        der_builder b;                                                                 \
        der_builder_init(&b);                                                          \
        sgp22_put_##type(&b, in);                                                      \
        return der_builder_finish(&b, out, len);                                       \
    }

#endif
