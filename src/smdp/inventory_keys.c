/* airwrite SM-DP+: the storage key ring of the Ki/OPc kept in the profile
 * inventory: the core key ring (core/key_ring.h: key files, key ring
 * directories, AES-256-GCM sealing, NIST SP 800-38D) with the SM-DP+'s
 * error codes and additional data, and the rotation checks of the profile
 * table (core/key_ring_table.h). See inventory.h and inventory_keys.h. */
#include <string.h>

#include <openssl/crypto.h>

#include "smdp/inventory_internal.h"
#include "smdp/inventory_keys.h"

#define AAD_MAX (SAIP_ICCID_TEXT + 8u)

/* The core ring's errors in the SM-DP+'s terms. */
static aw_err smdp_error(aw_err err)
{
    switch (err) {
    case AW_ERR_KEY_RING_FILE:
    case AW_ERR_KEY_RING_EMPTY:
        return AW_ERR_SMDP_KEY_FILE;
    case AW_ERR_KEY_RING_KEY_UNKNOWN:
    case AW_ERR_KEY_RING_AUTHENTICATION:
        return AW_ERR_SMDP_DECRYPT;
    default:
        return err;
    }
}

aw_err smdp_key_ring_new(smdp_key_ring **out)
{
    return key_ring_new(out);
}

void smdp_key_ring_free(smdp_key_ring *ring)
{
    key_ring_free(ring);
}

uint32_t smdp_key_ring_current_id(const smdp_key_ring *ring)
{
    return key_ring_current_id(ring);
}

size_t smdp_key_ring_count(const smdp_key_ring *ring)
{
    return key_ring_count(ring);
}

bool smdp_key_ring_has_id(const smdp_key_ring *ring, uint32_t key_id)
{
    return key_ring_has_id(ring, key_id);
}

aw_err smdp_key_ring_add_file(smdp_key_ring *ring, uint32_t key_id, const char *path, bool create)
{
    return smdp_error(key_ring_add_file(ring, key_id, path, create));
}

aw_err smdp_key_ring_load(smdp_key_ring *ring, const char *path)
{
    return smdp_error(key_ring_load(ring, path));
}

aw_err smdp_key_ring_generate(const char *directory, uint32_t *key_id)
{
    return key_ring_generate_next(directory, key_id);
}

/* AAD: the ICCID, a zero byte and the field name ("ki", "opc"). */
static aw_err field_aad(const char *iccid, const char *field, uint8_t *ad, size_t cap,
                        size_t *ad_len)
{
    size_t iccid_len = strlen(iccid), field_len = strlen(field);
    *ad_len = 0;
    if (cap < iccid_len + 1 + field_len)
        return AW_ERR_ARGUMENT;
    memcpy(ad, iccid, iccid_len);
    ad[iccid_len] = 0;
    memcpy(ad + iccid_len + 1, field, field_len);
    *ad_len = iccid_len + 1 + field_len;
    return AW_OK;
}

aw_err smdp_key_ring_seal(const smdp_key_ring *ring, const char *iccid, const char *field,
                          const uint8_t *plain, size_t len, uint8_t out[SMDP_SEALED_MAX],
                          size_t *out_len, uint32_t *key_id)
{
    *out_len = 0;
    *key_id = 0;
    if (len > SAIP_AKA_KEY_MAX)
        return AW_ERR_ARGUMENT;
    uint8_t ad[AAD_MAX];
    size_t ad_len = 0;
    aw_err err = field_aad(iccid, field, ad, sizeof(ad), &ad_len);
    if (err == AW_OK)
        err = key_ring_seal(ring, ad, ad_len, plain, len, out, SMDP_SEALED_MAX, out_len, key_id);
    return smdp_error(err);
}

aw_err smdp_key_ring_open(const smdp_key_ring *ring, uint32_t key_id, const char *iccid,
                          const char *field, const uint8_t *sealed, size_t sealed_len,
                          uint8_t *plain, size_t plain_cap, size_t *plain_len)
{
    *plain_len = 0;
    if (sealed_len > SMDP_SEALED_MAX)
        return AW_ERR_SMDP_DECRYPT;
    uint8_t ad[AAD_MAX];
    size_t ad_len = 0;
    aw_err err = field_aad(iccid, field, ad, sizeof(ad), &ad_len);
    if (err == AW_OK)
        err = key_ring_open(ring, key_id, ad, ad_len, sealed, sealed_len, plain, plain_cap,
                            plain_len);
    return smdp_error(err);
}

/* ---- The profile table's sealed columns (key_ring_table.h) ------------------ */

static aw_err profile_aad(const char *row_id, size_t column, uint8_t *ad, size_t cap,
                          size_t *ad_len)
{
    static const char *const fields[2] = {"ki", "opc"};
    return field_aad(row_id, fields[column], ad, cap, ad_len);
}

static const key_ring_table profile_table = {
    .table = "smdp_profiles", .id_column = "iccid", .key_id_column = "key_id",
    .columns = {"ki_encrypted", "opc_encrypted"}, .column_count = 2,
    .updated_column = "updated_at", .plain_max = SAIP_AKA_KEY_MAX, .aad = profile_aad};

const key_ring_table *smdp_inventory_sealed_table(void)
{
    return &profile_table;
}

aw_err smdp_inventory_rekey(db_connection *db, const smdp_key_ring *ring, int64_t now_ms,
                            size_t *count)
{
    if (count != NULL)
        *count = 0;
    if (db == NULL || ring == NULL || count == NULL)
        return AW_ERR_ARGUMENT;
    key_ring_rotation stats = {0};
    aw_err err = key_ring_table_rotate(db, ring, &profile_table, KEY_RING_TABLE_CHUNK_DEFAULT, 0,
                                       now_ms, NULL, NULL, &stats);
    *count = (size_t)stats.rotated;
    return smdp_error(err);
}

aw_err smdp_inventory_check_key_ids(db_connection *db, const smdp_key_ring *ring,
                                    uint32_t *missing_key_id)
{
    aw_err err = key_ring_table_check_ids(db, ring, &profile_table, missing_key_id);
    return err == AW_ERR_KEY_RING_KEY_UNKNOWN ? AW_ERR_SMDP_KEY_MISSING : err;
}

aw_err smdp_inventory_count_stale(db_connection *db, const smdp_key_ring *ring, int64_t *count)
{
    return smdp_error(key_ring_table_count_stale(db, ring, &profile_table, count));
}
