/* Writes the seed corpus of fuzz_platform_order_list (run by hand, not a
 * test):
 *   gen_platform_order_list_seeds fuzz/corpus
 * Filter lines (status, target kind, target, cursor) and the big-endian
 * createdFrom, createdTo and limit bytes the target reads; cursors in the
 * form platform_order_list answers ("<createdAt>_<orderId>"). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "platform/platform.h"

static int write_seed(const char *dir, const char *name, const char *lines, int64_t from,
                      int64_t to, uint8_t limit)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/fuzz_platform_order_list/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    fputs(lines, f);
    for (int shift = 56; shift >= 0; shift -= 8)
        fputc((int)(((uint64_t)from >> shift) & 0xff), f);
    for (int shift = 56; shift >= 0; shift -= 8)
        fputc((int)(((uint64_t)to >> shift) & 0xff), f);
    fputc(limit, f);
    return fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    char cursor[PLATFORM_ORDER_CURSOR_SIZE + 8];
    snprintf(cursor, sizeof(cursor), "\n\n\n%d_ord_%024d\n", 2000, 0);
    int failed = 0;
    failed |= write_seed(dir, "all", "\n\n\n\n", 0, 0, 50);
    failed |= write_seed(dir, "walk", "\n\n\n\n", 0, 0, 1);
    failed |= write_seed(dir, "status", "accepted\n\n\n\n", 0, 0, 2);
    failed |= write_seed(dir, "cancelled", "cancelled\n\n\n\n", 0, 0, 1);
    failed |= write_seed(dir, "target", "\np\niot\n\n", 0, 0, 1);
    failed |= write_seed(dir, "pool", "\nn\niot\n\n", 0, 0, 3);
    failed |= write_seed(dir, "times", "\n\n\n\n", 2000, 3000, 1);
    failed |= write_seed(dir, "cursor", cursor, 0, 0, 1);
    failed |= write_seed(dir, "bad_cursor", "\n\n\n01_ord_zz\n", 0, 0, 1);
    failed |= write_seed(dir, "bad_status", "pending\n\n\n\n", 0, 0, 1);
    failed |= write_seed(dir, "bad_limit", "\n\n\n\n", -1, 0, 0);
    return failed;
}
