/* airwrite-devsim profile-limit: set the profile count limit of the simulated devices'
 * eUICCs (issue 8 "Profile count limit"; euicc_set_profile_limit of src/euicc/euicc.h),
 * kept in each eUICC's state. With the limit reached, a download fails at StoreMetadata with
 * installFailedDueToInsufficientMemoryForProfile (SGP.22 5.7.6). Not while a run uses DIR. */
#include "airwrite_devsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: airwrite-devsim profile-limit --dir DIR [--eid EID] LIMIT\n"
               "Sets the most profiles each device's eUICC takes (every device of DIR, or only\n"
               "EID); 0 removes the limit (the card's capacity, %zu profiles).\n",
            euicc_profile_capacity());
}

static aw_err set_limit(const char *dir, const char *eid, size_t limit)
{
    devsim_device device;
    aw_err err = devsim_device_open(dir, eid, time(NULL), &device);
    if (err != AW_OK)
        return err;
    err = euicc_set_profile_limit(device.card, limit);
    devsim_device_close(&device);
    return err;
}

int devsim_profile_limit(int argc, char **argv)
{
    const char *dir = NULL, *eid = NULL, *value = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc && dir == NULL)
            dir = argv[++i];
        else if (strcmp(argv[i], "--eid") == 0 && i + 1 < argc && eid == NULL)
            eid = argv[++i];
        else if (argv[i][0] != '-' && value == NULL)
            value = argv[i];
        else
            value = dir = NULL, i = argc; /* anything else: usage */
    }
    char *end = NULL;
    unsigned long limit = value != NULL ? strtoul(value, &end, 10) : 0;
    if (dir == NULL || value == NULL || value[0] < '0' || value[0] > '9' || *end != '\0' ||
        limit > euicc_profile_capacity()) {
        usage(stderr);
        return DEVSIM_EXIT_USAGE;
    }
    char(*eids)[AW_PKI_EID_DIGITS + 1] = NULL;
    size_t count = 0;
    aw_err err = devsim_read_eids(dir, &eids, &count);
    bool found = eid == NULL;
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        if (eid != NULL && strcmp(eid, eids[i]) != 0)
            continue;
        found = true;
        err = set_limit(dir, eids[i], (size_t)limit);
        if (err != AW_OK)
            fprintf(stderr, "airwrite-devsim: device %s\n", eids[i]);
    }
    free(eids);
    if (err == AW_OK && !found)
        err = AW_ERR_NOT_FOUND;
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-devsim: profile-limit: %s (%s)\n", aw_err_message(err),
                aw_err_name(err));
        return DEVSIM_EXIT_FAILED;
    }
    return 0;
}
