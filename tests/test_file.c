/* Tests for whole-file reads and crash-safe writes (src/core/file.c). */
#include "testutil.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/file.h"

static char dir[] = "/tmp/aw-file-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static unsigned count_entries(void)
{
    unsigned n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void test_write_read(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/state", dir);
    static const uint8_t first[] = "first", second[] = "second version";
    assert_int_equal(aw_file_write_atomic(path, first, 5, 0600), AW_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    uint8_t *data;
    size_t len;
    assert_int_equal(aw_file_read(path, 1024, &data, &len), AW_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(data, first, 5);
    assert_int_equal(data[5], 0); /* NUL after the content */
    free(data);
    assert_int_equal(aw_file_write_atomic(path, second, sizeof(second) - 1, 0644), AW_OK);
    assert_int_equal(aw_file_read(path, 1024, &data, &len), AW_OK);
    assert_string_equal((char *)data, "second version");
    free(data);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    /* empty content is a valid file */
    assert_int_equal(aw_file_write_atomic(path, NULL, 0, 0600), AW_OK);
    assert_int_equal(aw_file_read(path, 1024, &data, &len), AW_OK);
    assert_int_equal(len, 0);
    free(data);
    assert_int_equal(count_entries(), 1); /* no temporary file left behind */
}

static void test_errors(void **state)
{
    (void)state;
    char path[256];
    uint8_t *data = (uint8_t *)1;
    size_t len = 1;
    snprintf(path, sizeof(path), "%s/missing", dir);
    assert_int_equal(aw_file_read(path, 16, &data, &len), AW_ERR_NOT_FOUND);
    assert_null(data);
    assert_int_equal(len, 0);
    snprintf(path, sizeof(path), "%s/big", dir);
    static const uint8_t big[64] = {0};
    assert_int_equal(aw_file_write_atomic(path, big, sizeof(big), 0600), AW_OK);
    assert_int_equal(aw_file_read(path, 63, &data, &len), AW_ERR_LIMIT);
    assert_int_equal(aw_file_read(dir, 1 << 20, &data, &len), AW_ERR_IO); /* a directory */
    snprintf(path, sizeof(path), "%s/no/such/dir/file", dir);
    assert_int_equal(aw_file_write_atomic(path, big, 1, 0600), AW_ERR_IO);
    char longpath[5000];
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    assert_int_equal(aw_file_write_atomic(longpath, big, 1, 0600), AW_ERR_ARGUMENT);
}

/* Kill a writer at random moments: the file always holds one whole
 * generation (every byte equal to the generation's value, right length). */
static void test_killed_writer_leaves_whole_file(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof(path), "%s/gen", dir);
    enum { SIZE = 256 * 1024 };
    uint8_t *buf = malloc(SIZE);
    assert_non_null(buf);
    memset(buf, 0, SIZE);
    assert_int_equal(aw_file_write_atomic(path, buf, SIZE, 0600), AW_OK);
    srand((unsigned)time(NULL));
    for (int round = 0; round < 10; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            for (unsigned gen = 1;; gen++) {
                memset(buf, (int)(gen & 0xFF), SIZE);
                aw_file_write_atomic(path, buf, SIZE, 0600);
            }
        }
        struct timespec ts = {0, (rand() % 20 + 1) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        uint8_t *data;
        size_t len;
        assert_int_equal(aw_file_read(path, SIZE, &data, &len), AW_OK);
        assert_int_equal(len, SIZE);
        for (size_t i = 1; i < len; i++)
            assert_int_equal(data[i], data[0]);
        free(data);
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_read),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_killed_writer_leaves_whole_file),
    };
    return cmocka_run_group_tests_name("file", tests, setup, teardown);
}
