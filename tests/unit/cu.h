/* Shared by every unit test executable: each test file defines rc_unit_suites[], a
 * CU_SuiteInfo table ending with CU_SUITE_INFO_NULL; cu_main.c runs it. */
#ifndef RC_TEST_CU_H
#define RC_TEST_CU_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

extern CU_SuiteInfo rc_unit_suites[];

static inline const char *rc_cu_nn(const char *s)
{
    return s ? s : "(null)";
}
#define RC_ASSERT_STR(actual, expected) CU_ASSERT_STRING_EQUAL(rc_cu_nn(actual), (expected))

#endif
