# roam6_python_tests(<prefix> <label> <environment> <name> <timeout> ...):
# one ctest test per tests' file test_<name>.py in the calling folder, named
# <prefix>_<name>, run by Debian's python3 with <environment> (a ;-list of
# VAR=value). They share RESOURCE_LOCK netns (they build namespaces) and
# report "skipped" by exiting 77.
function(roam6_python_tests prefix label environment)
  set(pairs ${ARGN})
  list(LENGTH pairs count)
  math(EXPR last "${count} - 1")
  foreach(i RANGE 0 ${last} 2)
    math(EXPR j "${i} + 1")
    list(GET pairs ${i} name)
    list(GET pairs ${j} timeout)
    add_test(NAME ${prefix}_${name}
             COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_${name}.py
             WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
    set_tests_properties(${prefix}_${name} PROPERTIES
      LABELS ${label}
      TIMEOUT ${timeout}
      RESOURCE_LOCK netns
      SKIP_RETURN_CODE 77
      ENVIRONMENT "${environment}")
  endforeach()
endfunction()
