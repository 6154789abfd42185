; Inno Setup script for Vignette on Windows (iscc packaging\windows\vignette.iss from the repository root).
; Layout mirrors the Linux one relative to the executable: {app}\bin\vignette.exe,
; {app}\lib\vignette\onnxruntime.dll, {app}\share\vignette\models\seed-effnet-minilm\.
; Note: runtime.rs looks for the Linux library name today; a Windows build needs ORT_DYLIB_PATH or a
; platform-specific LIB_NAME first. Stage files as packaging/build-deb.sh does, with the Windows runtime.
#define AppVersion "0.1.0"

[Setup]
AppId={{6F1D2E0A-7C4B-4F4A-9B1E-5A7E2C9D3B10}
AppName=Vignette
AppVersion={#AppVersion}
AppPublisher=Vignette contributors
DefaultDirName={autopf}\Vignette
DefaultGroupName=Vignette
OutputBaseFilename=vignette-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
SetupIconFile=vignette.ico
UninstallDisplayIcon={app}\bin\vignette.exe
PrivilegesRequiredOverridesAllowed=dialog

[Files]
Source: "..\..\target\release\vignette.exe"; DestDir: "{app}\bin"; Flags: ignoreversion
Source: "..\..\target\win-staging\lib\onnxruntime.dll"; DestDir: "{app}\lib\vignette"; Flags: ignoreversion
Source: "..\..\target\win-staging\models\seed-effnet-minilm\*"; DestDir: "{app}\share\vignette\models\seed-effnet-minilm"; Flags: ignoreversion recursesubdirs

[Icons]
Name: "{group}\Vignette"; Filename: "{app}\bin\vignette.exe"
Name: "{autodesktop}\Vignette"; Filename: "{app}\bin\vignette.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\bin\vignette.exe"; Description: "Start Vignette"; Flags: nowait postinstall skipifsilent
