/* common.c: helpers shared by the fuzz targets. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

char *
fuzz_copy(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		return NULL;
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void
fuzz_warn(void *arg, const char *text)
{
	size_t	*n = arg;

	/* Touch every byte so ASan sees an unterminated or freed text. */
	*n += strlen(text);
}

unsigned
fuzz_touch(const void *p, size_t n)
{
	const unsigned char	*b = p;
	volatile unsigned	 sum = 0;
	size_t			 i;

	for (i = 0; i < n; i++)
		sum += b[i];
	return sum;
}
