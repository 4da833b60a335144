#include <stdio.h>

#include "cu.h"

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    if (CU_register_suites(rc_unit_suites) != CUE_SUCCESS) {
        fprintf(stderr, "registering suites: %s\n", CU_get_error_msg());
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    /* CU_get_error() only reports framework errors: failed asserts must fail the run too. */
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
    int rc = CU_get_error() != CUE_SUCCESS || failed ? 1 : 0;
    CU_cleanup_registry();
    return rc;
}
