# Settings every JUCE target here shares (the plugin and the test host).

if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    # Debian strips JUCE's bundled zlib/libpng/libjpeg (juce_core.h forces the system ones), so
    # they come from pkg-config. The audio-file codecs are switched off instead (nothing here reads
    # audio files), so FLAC/Ogg/Vorbis are not needed.
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(STEPISTA_SYSTEM_LIBS REQUIRED IMPORTED_TARGET zlib libpng libjpeg)
endif()

function(stepista_juce_defaults target)
    target_compile_definitions(${target} PRIVATE
        JUCE_WEB_BROWSER=0
        JUCE_USE_CURL=0
        JUCE_USE_FLAC=0
        JUCE_USE_OGGVORBIS=0
        JUCE_USE_MP3AUDIOFORMAT=0
        JUCE_VST3_CAN_REPLACE_VST2=0
        JUCE_DISPLAY_SPLASH_SCREEN=0
        JUCE_REPORT_APP_USAGE=0
        JUCE_STRICT_REFCOUNTEDPOINTER=1)
    target_link_libraries(${target} PRIVATE
        juce::juce_recommended_config_flags
        juce::juce_recommended_warning_flags)
    if(TARGET PkgConfig::STEPISTA_SYSTEM_LIBS)
        target_link_libraries(${target} PRIVATE PkgConfig::STEPISTA_SYSTEM_LIBS)
    endif()
endfunction()
