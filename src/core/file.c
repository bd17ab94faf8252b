/* airwrite core: whole-file reads and crash-safe writes. See file.h. */
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

aw_err aw_file_read(const char *path, size_t max_len, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? AW_ERR_NOT_FOUND : AW_ERR_IO;
    aw_err err = AW_ERR_IO;
    uint8_t *buf = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    if ((uint64_t)st.st_size > max_len) {
        err = AW_ERR_LIMIT;
        goto out;
    }
    /* The size may change under us: read until EOF, never past max_len. */
    size_t cap = (size_t)st.st_size + 1, n = 0;
    buf = malloc(cap + 1);
    if (buf == NULL) {
        err = AW_ERR_NOMEM;
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max_len) {
            err = AW_ERR_LIMIT;
            goto out;
        }
        if (n == cap)
            break; /* grew while reading: the next write will replace it whole */
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    buf = NULL;
    err = AW_OK;
out:
    free(buf);
    close(fd);
    return err;
}

static aw_err fsync_directory_of(const char *path)
{
    char copy[PATH_MAX];
    if (strlen(path) >= sizeof(copy))
        return AW_ERR_ARGUMENT;
    strcpy(copy, path);
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return AW_ERR_IO;
    int rc = fsync(dfd);
    close(dfd);
    return rc == 0 ? AW_OK : AW_ERR_IO;
}

aw_err aw_file_write_atomic(const char *path, const uint8_t *data, size_t len, mode_t mode)
{
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return AW_ERR_ARGUMENT;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return AW_ERR_IO;
    aw_err err = AW_ERR_IO;
    if (fchmod(fd, mode) != 0)
        goto fail;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        done += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    return fsync_directory_of(path);
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return err;
}
