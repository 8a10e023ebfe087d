/* The index module's unit tests: one Check suite, a TCase per file. */
#ifndef TEST_INDEX_H
#define TEST_INDEX_H

#include "index_internal.h"
#include "sktest.h"

TCase *tcase_tokenizer(void);
TCase *tcase_query(void);
TCase *tcase_records(void);
TCase *tcase_search(void);

#endif
