# Warnings for roam6's own targets: call roam6_target_warnings(<target>).
# Third-party headers come in as SYSTEM includes so their warnings stay theirs.
function(roam6_target_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
    -Wnull-dereference -Wimplicit-fallthrough)
  if(ROAM6_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
