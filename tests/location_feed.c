/* Test tool of location-bound writing (test code only, never installed):
 * records one location fix for a card in the platform's database through
 * platform_location_record, as the terminal information channel does with
 * each decrypted fix (src/platform/location_policy.h). The end-to-end test
 * (tests/test_location_e2e.sh) feeds airwrited's devices' fixes with it.
 *   location_feed DB_URL EID gnss LATITUDE LONGITUDE AGE_S
 *   location_feed DB_URL EID cell MCC MNC AGE_S
 * AGE_S: how long ago the fix was taken. Exit 0 recorded, 1 refused, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/platform.h"

int main(int argc, char **argv)
{
    if (argc != 7 || (strcmp(argv[3], "gnss") != 0 && strcmp(argv[3], "cell") != 0)) {
        fprintf(stderr, "usage: location_feed DB_URL EID (gnss LAT LON | cell MCC MNC) AGE_S\n");
        return 2;
    }
    int64_t now = (int64_t)time(NULL);
    platform_location_fix fix = {.fix_time = now - strtoll(argv[6], NULL, 10)};
    if (strcmp(argv[3], "gnss") == 0) {
        fix.kind = PLATFORM_LOCATION_GNSS;
        fix.latitude = strtod(argv[4], NULL);
        fix.longitude = strtod(argv[5], NULL);
        fix.accuracy_m = 15;
    } else {
        fix.kind = PLATFORM_LOCATION_CELL;
        snprintf(fix.mcc, sizeof(fix.mcc), "%.3s", argv[4]);
        snprintf(fix.mnc, sizeof(fix.mnc), "%.3s", argv[5]);
    }
    db_connection *db = NULL;
    aw_err err = db_open(argv[1], NULL, &db);
    if (err == AW_OK)
        err = platform_location_record(db, argv[2], &fix, now);
    db_close(db);
    if (err != AW_OK) {
        fprintf(stderr, "location_feed: %s (%s)\n", aw_err_message(err), aw_err_name(err));
        return 1;
    }
    return 0;
}
