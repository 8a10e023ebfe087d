/* samskap — util: errors, memory, growable buffers, UTF-8 and paths.
 *
 * The lowest layer; every other module stands on it. Ownership rule for the
 * whole API: what a function returns through an out-parameter or as a
 * non-const pointer is the caller's, freed with the type's own _free (or
 * free() for plain char * strings). const pointers are borrowed. */
#ifndef SAMSKAP_UTIL_H
#define SAMSKAP_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes: 0 is success, expected failures have a name. */
enum {
	SK_OK = 0,
	SK_ERROR = -1,      /* anything else; the message says what */
	SK_ENOTFOUND = -2,  /* no such id, file, type, remote */
	SK_EEXISTS = -3,    /* already there */
	SK_EINVALID = -4,   /* input that breaks a rule: schema, syntax, limits */
	SK_ECONFLICT = -5,  /* a merge conflict or a concurrent change */
	SK_EUSAGE = -6,     /* a command used the wrong way */
	SK_EIO = -7,        /* the file system or the network failed */
	SK_EUNSUPPORTED = -8, /* a feature samskap does not implement */
	SK_EAUTH = -9,      /* missing or wrong credentials */
	SK_ETOOBIG = -10    /* over a size limit */
};

/* Sets this thread's error message (printf-style) and returns `code`, so
 * callers can write `return sk_error_set(SK_EINVALID, "...")`. */
int sk_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int sk_error_setv(int code, const char *fmt, va_list ap);

/* This thread's last message (borrowed; "" when none) and its code. */
const char *sk_error_last(void);
int sk_error_code(void);
void sk_error_clear(void);

/* Allocation that aborts on failure: callers never check for NULL. */
void *sk_malloc(size_t n);
void *sk_calloc(size_t count, size_t size);
void *sk_realloc(void *p, size_t n);
char *sk_strdup(const char *s);
char *sk_strndup(const char *s, size_t n);
/* printf into a new string the caller frees. */
char *sk_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* count * size, aborting on overflow. */
size_t sk_mul_size(size_t count, size_t size);

/* A growable byte buffer, always NUL-terminated once anything is added.
 * Initialise with SK_BUF_INIT; release with sk_buf_free. */
typedef struct sk_buf {
	char *data;
	size_t len;
	size_t cap;
} sk_buf;
#define SK_BUF_INIT { NULL, 0, 0 }

void sk_buf_grow(sk_buf *b, size_t extra);
void sk_buf_put(sk_buf *b, const void *data, size_t len);
void sk_buf_puts(sk_buf *b, const char *s);
void sk_buf_putc(sk_buf *b, char c);
void sk_buf_printf(sk_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sk_buf_clear(sk_buf *b);
/* Hands the contents to the caller (never NULL; "" when empty) and resets b. */
char *sk_buf_detach(sk_buf *b);
void sk_buf_free(sk_buf *b);

/* UTF-8. sk_utf8_valid returns 1 when [s, s+len) is valid UTF-8 (no
 * overlongs, no surrogates); otherwise 0 and, when bad_offset is set, the
 * byte offset of the first bad sequence. */
int sk_utf8_valid(const char *s, size_t len, size_t *bad_offset);
/* Number of code points in a valid UTF-8 string. */
size_t sk_utf8_length(const char *s, size_t len);
/* Decodes one code point at *s (valid input), advancing *s. */
uint32_t sk_utf8_next(const char **s);
/* Encodes cp into out (at least 4 bytes); returns the byte count. */
int sk_utf8_encode(uint32_t cp, char *out);

/* Files and paths. */
/* Reads a whole regular file (refusing symlinks, directories and files
 * over max_bytes) into *out (caller frees) with its length in *len. */
int sk_file_read(char **out, size_t *len, const char *path, size_t max_bytes);
/* Writes a file atomically: a temporary beside it, fsync, rename. */
int sk_file_write(const char *path, const void *data, size_t len);
/* The same without fsync: still atomic for readers, but a crash may lose
 * it. For derived files that are cheap to write again (an export). */
int sk_file_write_nosync(const char *path, const void *data, size_t len);
/* Joins two path parts with one '/'; caller frees. */
char *sk_path_join(const char *a, const char *b);
/* Creates a directory and its parents (mode 0777 & umask). */
int sk_path_mkdirs(const char *path);
/* 1 when a path exists (not following a final symlink), else 0. */
int sk_path_exists(const char *path);
/* 1 when s is a valid record id: lower-case ASCII letters, digits and
 * single hyphens between them, 1..100 characters. */
int sk_id_valid(const char *s);
/* 1 when s is a real calendar date written YYYY-MM-DD. */
int sk_date_valid(const char *s);
/* 1 when s is an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm)). */
int sk_datetime_valid(const char *s);

/* The path of `name` ("content", "schemas") among the data bundled with
 * samskap (caller frees): $SAMSKAP_DATADIR/name when that variable is
 * set; else, for a binary inside the source tree, the source tree's;
 * else the install's (PREFIX/share/samskap, or ../share/samskap beside
 * the binary). SK_ENOTFOUND with a message saying where it looked. */
int sk_data_path(char **out, const char *name);

/* Diagnostics: the errors and warnings a check or a parse collects, each
 * with its file, line and column where known (0 when not) and, for schema
 * errors, the JSON instance path ("/metrics/0/target"). */
typedef enum { SK_DIAG_ERROR, SK_DIAG_WARNING } sk_diag_severity;

typedef struct sk_diag {
	sk_diag_severity severity;
	char *file;      /* may be NULL */
	int line, col;   /* 1-based; 0 when unknown */
	char *path;      /* JSON instance path, or NULL */
	char *message;
} sk_diag;

typedef struct sk_diags {
	sk_diag *items;
	size_t len, cap;
} sk_diags;
#define SK_DIAGS_INIT { NULL, 0, 0 }

/* Appends one diagnostic; file and path are copied and may be NULL. */
void sk_diags_add(sk_diags *d, sk_diag_severity sev, const char *file,
	int line, int col, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* Number of errors (not warnings). */
size_t sk_diags_errors(const sk_diags *d);
/* Sorts by file, line, column (stable for equal positions). */
void sk_diags_sort(sk_diags *d);
/* Formats one as "file:line:col: error: message" (parts left out when unknown). */
char *sk_diag_format(const sk_diag *d);
void sk_diags_free(sk_diags *d);

#endif
