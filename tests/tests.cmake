# Ring 1: CUnit unit tests, one executable per tests/unit/test_<module>.c, no network.
file(GLOB RC_UNIT_TESTS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/unit/test_*.c)
foreach(src ${RC_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src} ${PROJECT_SOURCE_DIR}/tests/unit/cu_main.c)
  target_compile_options(${name} PRIVATE ${RC_WARNINGS})
  target_compile_definitions(${name} PRIVATE
    RC_SOURCE_DIR="${PROJECT_SOURCE_DIR}" RC_GOLDEN_DIR="${PROJECT_SOURCE_DIR}/tests/golden")
  target_link_libraries(${name} PRIVATE regcompat_core PkgConfig::CUNIT)
  add_test(NAME unit.${name} COMMAND ${name})
  # the digest cache goes to the build tree, never to the user's own cache
  set_tests_properties(unit.${name} PROPERTIES LABELS unit TIMEOUT 120
    ENVIRONMENT "XDG_CACHE_HOME=${CMAKE_BINARY_DIR}/test-cache")
endforeach()

# Ring 2: integration tests run the real binary against real registries that a CTest fixture
# starts (lab/lab.sh) and stops. Each tests/integration/it_<group>.sh is one fixture group.
if(EXISTS ${PROJECT_SOURCE_DIR}/tests/integration/integration.cmake)
  include(${PROJECT_SOURCE_DIR}/tests/integration/integration.cmake)
endif()

# The Sigstore bundles regcompat writes, validated by the Sigstore JavaScript library
# (tests/tools/sigstore-js; node and the package come from scripts/setup.sh).
add_executable(rc-bundle-samples ${PROJECT_SOURCE_DIR}/tests/tools/bundle_samples.c)
target_compile_options(rc-bundle-samples PRIVATE ${RC_WARNINGS})
target_link_libraries(rc-bundle-samples PRIVATE regcompat_core)
add_test(NAME tool.sigstore-bundle
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/tools/sigstore-js/check.sh
                 $<TARGET_FILE:rc-bundle-samples> ${PROJECT_SOURCE_DIR}
                 ${CMAKE_BINARY_DIR}/tool-work/sigstore-bundle)
set_tests_properties(tool.sigstore-bundle PROPERTIES LABELS unit TIMEOUT 60)
