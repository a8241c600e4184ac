; Pilotis — per-user installer (no administrator rights), NSIS 3, French pages.
;
;   makensis -DBUNDLE_DIR=dist\pilotis -DVERSION=0.1.0 -DOUTFILE=dist\Pilotis-Setup.exe ^
;            packaging\windows\pilotis.nsi
; (packaging/windows/build-installers passes these from desktop/__init__.py.)
;
; Installs to %LOCALAPPDATA%\Programs\Pilotis (where Windows puts per-user programs), registers
; the uninstaller under HKCU, adds a Start-menu shortcut and, if ticked, a desktop one.
; A new version installs over the old one in place (same folder, old program files replaced).
; The user's data — %LOCALAPPDATA%\Pilotis: pilotis.sqlite, pilotis.ini, sauvegardes\ — is never
; touched by an install or upgrade, and removed on uninstall only when the user ticks the box.
; Silent: Pilotis-Setup.exe /S [/D=C:\Autre\Dossier]   (/D last, no quotes)
;         "%LOCALAPPDATA%\Programs\Pilotis\uninstall.exe" /S   (keeps the data)

Unicode true
; The shipped installer is 32-bit (x86-unicode: the stubs every NSIS build has, runs on every
; Windows). -DTARGET=amd64-unicode builds the same pages as a 64-bit program: Debian's NSIS has
; those stubs, and wine64 alone can show them (packaging/installer-screenshots).
!ifdef TARGET
  Target ${TARGET}
!endif
!include "MUI2.nsh"
!include "FileFunc.nsh"

!ifndef BUNDLE_DIR
  !error "Définir BUNDLE_DIR : le dossier du bundle PyInstaller (dist\pilotis)"
!endif
!ifndef VERSION
  !error "Définir VERSION (desktop/__init__.py)"
!endif
!ifndef OUTFILE
  !define OUTFILE "Pilotis-Setup.exe"
!endif
!ifndef ICON
  !define ICON "../../resources/icons/pilotis.ico"  ; makensis runs in this folder
!endif
; Windows wants four numbers in a version resource: 0.1.0 -> 0.1.0.0.
!ifndef VERSION4
  !define VERSION4 "${VERSION}.0"
!endif

!define APP "Pilotis"
!define EXE "pilotis.exe"
!define PUBLISHER "Région académique Occitanie"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"
!define APP_KEY "Software\${APP}"

Name "${APP}"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\${APP}"
; An upgrade goes where the previous version is, even if that was a folder chosen with /D.
InstallDirRegKey HKCU "${APP_KEY}" "InstallDir"
!ifdef COMPRESSOR
  SetCompressor ${COMPRESSOR}  ; zlib: quick builds for tests and screenshots
!else
  SetCompressor /SOLID lzma
!endif
ManifestDPIAware true
BrandingText "${APP} ${VERSION}"

VIProductVersion "${VERSION4}"
VIAddVersionKey /LANG=1036 "ProductName" "${APP}"
VIAddVersionKey /LANG=1036 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1036 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1036 "FileDescription" "Installation de ${APP} ${VERSION}"
VIAddVersionKey /LANG=1036 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1036 "LegalCopyright" "${PUBLISHER} — EUPL-1.2"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_WELCOMEFINISHPAGE_BITMAP "wizard.bmp"  ; packaging/make_icons.py draws it
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TEXT "Cet assistant installe ${APP} ${VERSION} pour vous seul, dans votre \
  dossier de programmes : aucun droit d'administrateur n'est nécessaire.$\r$\n$\r$\nSi une \
  version précédente est installée, elle est remplacée ; vos données sont conservées.$\r$\n$\r$\n\
  Cliquez sur Suivant pour continuer."
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Lancer ${APP}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!define MUI_COMPONENTSPAGE_TEXT_TOP "Vos données (base, réglages et sauvegardes, dans \
  $LOCALAPPDATA\${APP}) sont conservées, sauf si vous cochez la case ci-dessous."
!define MUI_PAGE_CUSTOMFUNCTION_SHOW un.HideSpaceRequired
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "French"

Function .onInit
  SetShellVarContext current
FunctionEnd

Function un.onInit
  SetShellVarContext current
FunctionEnd

; « Espace requis : 0.0 Ko » means nothing when uninstalling: hide it (control 1023).
Function un.HideSpaceRequired
  FindWindow $0 "#32770" "" $HWNDPARENT
  GetDlgItem $1 $0 1023
  ShowWindow $1 ${SW_HIDE}
FunctionEnd

; A running Pilotis locks its files: ask to close it instead of half-replacing the program.
!macro RequireClosed UN
Function ${UN}RequireClosed
  retry:
    ClearErrors
    IfFileExists "$INSTDIR\${EXE}" 0 done
    Rename "$INSTDIR\${EXE}" "$INSTDIR\${EXE}.verif"
    IfErrors 0 renamed
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${APP} est ouvert. Fermez-le, puis cliquez sur \
      Réessayer." /SD IDCANCEL IDRETRY retry
    Abort "${APP} est ouvert : fermez-le puis relancez l'opération."
  renamed:
    Rename "$INSTDIR\${EXE}.verif" "$INSTDIR\${EXE}"
  done:
FunctionEnd
!macroend
!insertmacro RequireClosed ""
!insertmacro RequireClosed "un."

Section "${APP} (programme)" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  Call RequireClosed
  ; Upgrade in place: the previous version's program files go, so no stale module survives.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\pilotis*.exe"
  File /r "${BUNDLE_DIR}/*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0

  WriteRegStr HKCU "${APP_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${APP_KEY}" "Version" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${EXE}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0
SectionEnd

Section /o "Raccourci sur le bureau" SecDesktop
  CreateShortcut "$DESKTOP\${APP}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
SectionEnd

Section "un.${APP} (programme)" UnSecApp
  SectionIn RO
  Call un.RequireClosed
  Delete "$SMPROGRAMS\${APP}.lnk"
  Delete "$DESKTOP\${APP}.lnk"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\pilotis*.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "${APP_KEY}"
SectionEnd

; Unticked by default, and never selected by a silent uninstall: data loss needs a click.
Section /o "un.Supprimer aussi mes données" UnSecData
  RMDir /r "$LOCALAPPDATA\${APP}"
SectionEnd
