# roam6_component(<target> <folder> [deps...]): one component library per
# folder, as mip6d/, datapath/ and vswitch-plugin/ are made of: a static
# library of every .cpp in <folder> except main.cpp (headers-only folders
# become INTERFACE libraries), with the project root on the include path,
# the wire library and <deps> linked, and the project's warnings on.
function(roam6_component target folder)
  file(GLOB sources CONFIGURE_DEPENDS ${folder}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "/main\\.cpp$")
  if(sources)
    add_library(${target} STATIC ${sources})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${target} PUBLIC roam6::wire ${ARGN})
    roam6_target_warnings(${target})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${target} INTERFACE roam6::wire ${ARGN})
  endif()
endfunction()
