# Integration tests: the real regcompat binary against real docker-registry processes that
# lab/lab.sh starts (CTest fixture setup) and stops (fixture cleanup). Tests sharing a lab
# only read its registries or write into their own repositories; a test that breaks its
# registry gets a lab of its own.
set(RC_IT_DIR ${PROJECT_SOURCE_DIR}/tests/integration)
set(RC_LAB ${PROJECT_SOURCE_DIR}/lab/lab.sh)

# rc_lab_fixture(NAME SCRIPT ARGS...): SCRIPT start/stop --state --build (lab.sh, faultlab.sh)
function(rc_lab_fixture name script)
  set(state ${CMAKE_BINARY_DIR}/it-labs/${name})
  add_test(NAME lab.${name}.start
           COMMAND ${script} start --state ${state} --build ${CMAKE_BINARY_DIR} ${ARGN})
  add_test(NAME lab.${name}.stop COMMAND ${script} stop --state ${state})
  set_tests_properties(lab.${name}.start PROPERTIES FIXTURES_SETUP lab-${name} LABELS lab
                       TIMEOUT 120)
  set_tests_properties(lab.${name}.stop PROPERTIES FIXTURES_CLEANUP lab-${name} LABELS lab
                       TIMEOUT 60)
endfunction()

# it_<name>.sh runs with the lab state dir, the binary and a scratch dir as environment.
# A script whose lab is "none" needs no registry.
function(rc_it name lab)
  add_test(NAME it.${name} COMMAND bash ${RC_IT_DIR}/it_${name}.sh)
  if(NOT lab STREQUAL "none")
    set_tests_properties(it.${name} PROPERTIES FIXTURES_REQUIRED lab-${lab})
  endif()
  set_tests_properties(it.${name} PROPERTIES
    LABELS integration
    TIMEOUT 300
    ENVIRONMENT "RC_BIN=$<TARGET_FILE:regcompat>;RC_LAB_STATE=${CMAKE_BINARY_DIR}/it-labs/${lab};RC_SRC=${PROJECT_SOURCE_DIR};RC_WORK=${CMAKE_BINARY_DIR}/it-work/${name};RC_LAB_SH=${RC_LAB};RC_BUILD=${CMAKE_BINARY_DIR};RC_CMAKE=${CMAKE_COMMAND};RC_CPACK=${CMAKE_CPACK_COMMAND};XDG_CACHE_HOME=${CMAKE_BINARY_DIR}/test-cache")
  # the fault proxy has one rule set for all its clients: its tests take turns (ctest -j)
  if(lab STREQUAL "fault")
    set_tests_properties(it.${name} PROPERTIES RESOURCE_LOCK lab-fault-rules)
  endif()
endfunction()

rc_lab_fixture(main ${RC_LAB})
rc_lab_fixture(kill ${RC_LAB} local-open)
rc_lab_fixture(fault ${PROJECT_SOURCE_DIR}/lab/faultlab.sh)
# a fault proxy of its own for the blob-bounds test, whose rules would upset the flip matrix
rc_lab_fixture(bounds ${PROJECT_SOURCE_DIR}/lab/faultlab.sh)

file(GLOB RC_IT_SCRIPTS CONFIGURE_DEPENDS ${RC_IT_DIR}/it_*.sh)
foreach(script ${RC_IT_SCRIPTS})
  get_filename_component(stem ${script} NAME_WE)
  string(REGEX REPLACE "^it_" "" name ${stem})
  # scripts say which lab they need on their second line: "# lab: NAME"
  file(STRINGS ${script} labline REGEX "^# lab: ")
  string(REGEX REPLACE "^# lab: *" "" lab "${labline}")
  if(lab STREQUAL "")
    set(lab main)
  endif()
  # the flip matrix runs every suite ~30 times: it judges verdicts, not memory, so the
  # sanitizer build leaves it to the normal build
  if(RC_SANITIZE AND name STREQUAL "fault_flips")
    continue()
  endif()
  # the package is made from the normal build: nobody installs the sanitizer build's binary
  if(RC_SANITIZE AND name STREQUAL "deb")
    continue()
  endif()
  rc_it(${name} ${lab})
  # ~45 runs of every suite on a shared 2-core machine: the timeout is only a safety net
  if(name STREQUAL "fault_flips")
    set_tests_properties(it.${name} PROPERTIES TIMEOUT 900)
  endif()
  # it installs a package on this machine: one at a time
  if(name STREQUAL "deb")
    set_tests_properties(it.${name} PROPERTIES RESOURCE_LOCK system-packages)
  endif()
endforeach()
# the flip matrix runs every suite once per quirk (about 40 runs): five minutes alone on the
# lab machines, more while other tests share the two cores
if(TEST it.fault_flips)
  set_tests_properties(it.fault_flips PROPERTIES TIMEOUT 900)
endif()
