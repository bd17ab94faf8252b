/* airwrite core: whole-file reads and crash-safe whole-file writes.
 *
 * A write either leaves the previous content or the complete new content,
 * never a mixture, even if the process is killed or the machine loses power
 * mid-write: the data goes to a temporary file in the same directory, is
 * flushed (fsync), renamed over the target (atomic within one file system,
 * POSIX rename()), and the directory entry is flushed too. */
#ifndef AIRWRITE_CORE_FILE_H
#define AIRWRITE_CORE_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

/* Read a whole file of at most max_len bytes into a malloc'd buffer (one
 * extra NUL byte is appended, not counted, so text can be used as a string).
 * AW_ERR_NOT_FOUND if it does not exist, AW_ERR_LIMIT if it is larger than
 * max_len, AW_ERR_IO on other failures. */
aw_err aw_file_read(const char *path, size_t max_len, uint8_t **data, size_t *len);

/* Atomically replace path with data, created with the given permission bits
 * (e.g. 0600 for keys and state). */
aw_err aw_file_write_atomic(const char *path, const uint8_t *data, size_t len, mode_t mode);

#endif
