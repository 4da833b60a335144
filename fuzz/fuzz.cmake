# Fuzz targets (fuzz/fuzz_<name>.c). Each is built twice:
# - fuzz_replay_<name>: with any compiler, linked with fuzz/replay.c, and run as the ctest
#   test fuzz.<name> over its seed corpus fuzz/corpus/<name>/ (so the normal and the
#   sanitizer test runs replay every seed and every crash kept there);
# - fuzz_<name>: only with -DRC_FUZZ=ON and clang, linked with libFuzzer (scripts/fuzz.sh).
set(RC_FUZZ_TARGETS auth url json results profile suite)
set(RC_FUZZ_DIR ${PROJECT_SOURCE_DIR}/fuzz)
# Seeds kept elsewhere in the tree, replayed (and fuzzed from) as they are: the shipped suites
# and profiles, and the results files of the golden tests.
file(GLOB RC_FUZZ_SEEDS_results ${PROJECT_SOURCE_DIR}/tests/golden/*.json
     ${PROJECT_SOURCE_DIR}/docs/example-lab/results.json)
set(RC_FUZZ_SEEDS_suite ${PROJECT_SOURCE_DIR}/suites)
set(RC_FUZZ_SEEDS_profile ${PROJECT_SOURCE_DIR}/registries.d)

add_library(rc_fuzz_common STATIC ${RC_FUZZ_DIR}/common.c)
target_compile_options(rc_fuzz_common PRIVATE ${RC_WARNINGS})
target_include_directories(rc_fuzz_common PUBLIC ${RC_FUZZ_DIR})
target_link_libraries(rc_fuzz_common PUBLIC regcompat_core)

foreach(name ${RC_FUZZ_TARGETS})
  set(src ${RC_FUZZ_DIR}/fuzz_${name}.c)
  if(RC_FUZZ)
    add_executable(fuzz_${name} ${src})
    target_compile_options(fuzz_${name} PRIVATE ${RC_WARNINGS})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(fuzz_${name} PRIVATE rc_fuzz_common)
  else()
    add_executable(fuzz_replay_${name} ${src} ${RC_FUZZ_DIR}/replay.c)
    target_compile_options(fuzz_replay_${name} PRIVATE ${RC_WARNINGS})
    target_link_libraries(fuzz_replay_${name} PRIVATE rc_fuzz_common)
    add_test(NAME fuzz.${name} COMMAND fuzz_replay_${name} ${RC_FUZZ_DIR}/corpus/${name}
             ${RC_FUZZ_SEEDS_${name}})
    set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 120)
  endif()
endforeach()
