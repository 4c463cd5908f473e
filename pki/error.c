/*
 * error.c: struct pki_error helpers and the only code-to-text map.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "internal.h"

static const struct {
	int		 code;
	const char	*text;
} errtab[] = {
	{ PKI_OK,		"success" },
	{ PKI_ERR_INTERNAL,	"internal error" },
	{ PKI_ERR_ALLOC,	"out of memory" },
	{ PKI_ERR_IO,		"input/output error" },
	{ PKI_ERR_JSON,		"malformed JSON" },
	{ PKI_ERR_INPUT,	"invalid input" },
	{ PKI_ERR_UNKNOWN_KEY,	"unknown key" },
	{ PKI_ERR_KEY,		"invalid or unsupported key" },
	{ PKI_ERR_PEM,		"no usable PEM data" },
	{ PKI_ERR_CRYPTO,	"cryptographic library error" },
	{ PKI_ERR_POLICY,	"signing policy violation" },
	{ PKI_ERR_CONFIG,	"invalid signing configuration" },
	{ PKI_ERR_PROFILE,	"unknown signing profile" },
	{ PKI_ERR_MISMATCH,	"key does not match certificate" },
	{ PKI_ERR_ENCRYPTED,	"private key is encrypted" },
	{ PKI_ERR_TOO_BIG,	"input too large" },
	{ PKI_ERR_ARG,		"invalid argument" },
	{ PKI_ERR_UNSUPPORTED,	"not supported" },
	{ PKI_ERR_SIGNATURE,	"signature does not verify" },
	{ PKI_ERR_BUSY,		"locked by another run" },
	{ PKI_ERR_UNAVAILABLE,	"a library the command needs cannot be loaded" },
};

const char *
pki_strerror(int code)
{
	size_t	i;

	for (i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].code == code)
			return errtab[i].text;
	return "unknown error";
}

void
pki_text_oneline(char *s, size_t size)
{
	char			 in[2048], esc[5];
	const unsigned char	*q;
	const char		*p;
	size_t			 n = 0, k;
	unsigned char		 c;

	for (q = (const unsigned char *)s; *q >= 0x20 && *q != 0x7f; q++)
		;
	if (*q == '\0' || size == 0)
		return;		/* the usual case: nothing to escape */
	(void)snprintf(in, sizeof(in), "%s", s);
	for (p = in; *p != '\0'; p++) {
		c = (unsigned char)*p;
		if (c == '\n')
			memcpy(esc, "\\n", 3);
		else if (c == '\r')
			memcpy(esc, "\\r", 3);
		else if (c == '\t')
			memcpy(esc, "\\t", 3);
		else if (c < 0x20 || c == 0x7f)
			(void)snprintf(esc, sizeof(esc), "\\x%02x", c);
		else {
			esc[0] = (char)c;
			esc[1] = '\0';
		}
		k = strlen(esc);
		if (n + k >= size)
			break;
		memcpy(s + n, esc, k);
		n += k;
	}
	s[n] = '\0';
}

static void	err_vset(struct pki_error *, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static void
err_vset(struct pki_error *err, int code, const char *fmt, va_list ap)
{
	err->code = code;
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	pki_text_oneline(err->text, sizeof(err->text));
}

int
pki_err(struct pki_error *err, int code, const char *fmt, ...)
{
	va_list	ap;

	ERR_clear_error();
	if (err == NULL)
		return code;
	va_start(ap, fmt);
	err_vset(err, code, fmt, ap);
	va_end(ap);
	err->sys_errno = 0;
	return code;
}

int
pki_err_sys(struct pki_error *err, int errnum, const char *fmt, ...)
{
	va_list	ap;
	size_t	len;

	if (err == NULL)
		return PKI_ERR_IO;
	va_start(ap, fmt);
	err_vset(err, PKI_ERR_IO, fmt, ap);
	va_end(ap);
	err->sys_errno = errnum;
	len = strlen(err->text);
	snprintf(err->text + len, sizeof(err->text) - len, ": %s",
	    strerror(errnum));
	return PKI_ERR_IO;
}

int
pki_err_ssl(struct pki_error *err, int code, const char *fmt, ...)
{
	va_list		 ap;
	unsigned long	 e;
	const char	*data = NULL;
	int		 flags = 0;
	char		 reason[200];
	size_t		 len;

	e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags);
	if (err != NULL) {
		va_start(ap, fmt);
		err_vset(err, code, fmt, ap);
		va_end(ap);
		err->sys_errno = 0;
		len = strlen(err->text);
		if (e != 0) {
			const char	*rs = ERR_reason_error_string(e);

			if (rs != NULL)
				snprintf(reason, sizeof(reason), "%s", rs);
			else
				ERR_error_string_n(e, reason, sizeof(reason));
			snprintf(err->text + len, sizeof(err->text) - len,
			    ": %s%s%s", reason,
			    (flags & ERR_TXT_STRING) && data != NULL &&
			    *data != '\0' ? " " : "",
			    (flags & ERR_TXT_STRING) && data != NULL ? data : "");
		}
	}
	ERR_clear_error();
	return code;
}

int
pki_err_not_regular(struct pki_error *err, const char *path, mode_t mode)
{
	const char	*what;

	if (S_ISDIR(mode))
		what = "a directory";
	else if (S_ISFIFO(mode))
		what = "a FIFO";
	else if (S_ISCHR(mode))
		what = "a character device";
	else if (S_ISBLK(mode))
		what = "a block device";
	else if (S_ISSOCK(mode))
		what = "a socket";
	else if (S_ISLNK(mode))
		what = "a symbolic link";
	else
		what = "a special file";
	return pki_err(err, PKI_ERR_INPUT, "%s: not a regular file (%s)",
	    path, what);
}

void
pki_err_source(struct pki_error *err, const char *source)
{
	if (err == NULL || source == NULL)
		return;
	snprintf(err->source, sizeof(err->source), "%s", source);
}

void
pki_err_prefix(struct pki_error *err, const char *prefix)
{
	char	tmp[sizeof(err->text)];

	if (err == NULL || prefix == NULL)
		return;
	memcpy(tmp, err->text, sizeof(tmp));
	if (snprintf(err->text, sizeof(err->text), "%s: %s", prefix, tmp) >=
	    (int)sizeof(err->text))
		err->text[sizeof(err->text) - 1] = '\0';	/* truncated */
}
