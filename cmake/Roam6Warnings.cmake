# Warnings for roam6's own targets: call roam6_target_warnings(<target>).
# Third-party headers come in as SYSTEM includes so their warnings stay theirs.
function(roam6_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
    -Wimplicit-fallthrough)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 at -O2/-O3 reports -Wrestrict inside libstdc++'s std::string
    # (GCC bug 105329), not in our code.
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(ROAM6_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
