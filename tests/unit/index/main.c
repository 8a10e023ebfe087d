/* The index module's unit suite. */
#include "test_index.h"

int main(void)
{
	Suite *s = suite_create("index");
	suite_add_tcase(s, tcase_tokenizer());
	suite_add_tcase(s, tcase_query());
	suite_add_tcase(s, tcase_records());
	suite_add_tcase(s, tcase_search());
	return sk_test_main(s);
}
