/* airwrite-devsim: a device simulator for the SGP.32 IoT chain: N devices
 * in one process, each a software eUICC (src/euicc, its own identity and
 * state) driven by the real IPA (src/ipa: ES10 over the in-process APDU
 * transport, the ESipa poll loop with its journal, the Profile download
 * procedures of SGP.32 3.2). `provision` creates them, `run` lets them
 * poll an eIM, `profiles` shows what their eUICCs hold (ES10c.
 * GetProfilesInfo, SGP.22 5.7.15).
 *
 * Exit status: 0 done, 1 failure, 2 usage. */
#include "airwrite_devsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: airwrite-devsim provision --pki DIR --count N --out DIR [OPTIONS]\n"
            "       airwrite-devsim run --dir DIR --eim URL --ca FILE [OPTIONS]\n"
            "       airwrite-devsim profiles --dir DIR\n"
            "       airwrite-devsim profile-limit --dir DIR [--eid EID] LIMIT\n"
            "       airwrite-devsim COMMAND --help\n"
            "\n"
            "provision  N device identities (eUICC certificates under the PKI's EUM), each\n"
            "           eUICC's eIM configured (ES10b.AddInitialEim), the eIM's registration\n"
            "           CSV and the EID list\n"
            "run        the devices poll the eIM (ESipa), run its packages and downloads,\n"
            "           return the results; progress and a summary on stderr\n"
            "profiles   each device's profiles: 'EID ICCID enabled|disabled' (not while a\n"
            "           run uses DIR: opening an eUICC clears what its writer has in flight)\n"
            "profile-limit  the most profiles each device's eUICC takes (issue 8; 0: none)\n");
}

void devsim_read_memory(unsigned long *rss, unsigned long *peak)
{
    char line[256];
    *rss = 0;
    *peak = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            *rss = strtoul(line + 6, NULL, 10);
        else if (strncmp(line, "VmHWM:", 6) == 0)
            *peak = strtoul(line + 6, NULL, 10);
    }
    fclose(f);
}

/* ICCID digits from its coding (nibble-swapped BCD, F padding). */
static void print_iccid(aw_slice iccid)
{
    for (size_t i = 0; i < iccid.len; i++) {
        unsigned low = iccid.ptr[i] & 0x0Fu, high = iccid.ptr[i] >> 4;
        if (low <= 9)
            putchar('0' + (int)low);
        if (high <= 9)
            putchar('0' + (int)high);
    }
}

static aw_err print_profiles(const char *dir, const char *eid)
{
    devsim_device device;
    sgp22_profile_info_list_response response;
    aw_err err = devsim_device_open(dir, eid, time(NULL), &device);
    if (err != AW_OK)
        return err;
    err = ipa_es10c_get_profiles_info(device.session, NULL, &response);
    if (err == AW_OK && response.kind != SGP22_PROFILE_INFO_LIST_OK)
        err = AW_ERR_STATE;
    if (err == AW_OK) {
        sgp22_list_iter it;
        sgp22_profile_info p;
        sgp22_list_iter_init(&it, response.profile_info_list_ok.raw);
        while ((err = sgp22_profile_info_list_next(&it, &p)) == AW_OK) {
            printf("%s ", eid);
            print_iccid(p.iccid);
            printf(" %s\n", p.has_profile_state && p.profile_state == SGP22_PROFILE_STATE_ENABLED
                                ? "enabled"
                                : "disabled");
        }
        if (err == AW_ERR_NOT_FOUND)
            err = AW_OK;
    }
    devsim_device_close(&device);
    return err;
}

static int command_profiles(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "--dir") != 0) {
        fprintf(stderr, "usage: airwrite-devsim profiles --dir DIR\n");
        return DEVSIM_EXIT_USAGE;
    }
    char(*eids)[AW_PKI_EID_DIGITS + 1] = NULL;
    size_t count = 0;
    aw_err err = devsim_read_eids(argv[2], &eids, &count);
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        err = print_profiles(argv[2], eids[i]);
        if (err != AW_OK)
            fprintf(stderr, "airwrite-devsim: device %s\n", eids[i]);
    }
    free(eids);
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-devsim: profiles: %s (%s)\n", aw_err_message(err),
                aw_err_name(err));
        return DEVSIM_EXIT_FAILED;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return DEVSIM_EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(command, "provision") == 0)
        return devsim_provision(argc - 1, argv + 1);
    if (strcmp(command, "run") == 0)
        return devsim_run(argc - 1, argv + 1);
    if (strcmp(command, "profiles") == 0)
        return command_profiles(argc - 1, argv + 1);
    if (strcmp(command, "profile-limit") == 0) /* airwrite_devsim_profile_limit.c */
        return devsim_profile_limit(argc - 1, argv + 1);
    fprintf(stderr, "airwrite-devsim: unknown command '%s'\n", command);
    usage(stderr);
    return DEVSIM_EXIT_USAGE;
}
