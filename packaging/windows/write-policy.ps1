# Writes %ProgramData%\Sidekick\policy.json for the Sidekick MSI (see policy.wxs next to this file).
#
# The installer stores the public properties given on the msiexec command line under
# HKLM\SOFTWARE\Sidekick\Policy (registry values named like the JSON keys); this script, run by the
# installer as LocalSystem, turns them into JSON. It is not shipped as a file: policy.wxs carries it
# as a -EncodedCommand (UTF-16LE, Base64), which the execution policy does not apply to. After
# editing it, run `node packaging/windows/encode-policy-script.mjs`; a test checks the two agree.
# Windows PowerShell 5.1.

$ErrorActionPreference = 'Stop'

$names = 'gatewayUrl', 'odfsUrl', 'ccfsUrl', 'eraUrl', 'callbackUrl', 'recordingPath', 'updatesDisabled'
$stored = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Sidekick\Policy' -ErrorAction SilentlyContinue

$policy = [ordered]@{}
foreach ($name in $names) {
  if ($null -eq $stored -or $null -eq $stored.$name) { continue }
  $value = ([string]$stored.$name).Trim()
  if ($value -eq '') { continue }
  if ($name -eq 'updatesDisabled') {
    $flag = $value.ToLowerInvariant()
    if ('1', 'true', 'yes' -contains $flag) { $policy[$name] = $true }
    elseif ('0', 'false', 'no' -contains $flag) { $policy[$name] = $false }
    else { throw "UPDATES_DISABLED must be 1, 0, true, false, yes or no, not '$value'" }
  } else {
    $policy[$name] = $value
  }
}
if ($policy.Count -eq 0) { exit 0 }

# The folder's ACL is set here rather than inherited: ProgramData lets every user create files in
# its subfolders, and a policy file a user could write would be no policy. SYSTEM and
# Administrators get full control, Users read (well-known SIDs: the names are localised).
$dir = Join-Path ([Environment]::GetFolderPath('CommonApplicationData')) 'Sidekick'
New-Item -ItemType Directory -Force -Path $dir | Out-Null
function Invoke-Icacls {
  & icacls.exe @args | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "icacls $($args -join ' ') failed with $LASTEXITCODE" }
}
Invoke-Icacls $dir /reset
Invoke-Icacls $dir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-32-545:(OI)(CI)RX'
Invoke-Icacls $dir /setowner '*S-1-5-32-544'

# UTF-8 without a byte-order mark, written next to the target and moved over it, so the app never
# reads half a file; the moved file then takes the folder's ACL whatever the old one had.
$file = Join-Path $dir 'policy.json'
$temp = "$file.new"
$json = (ConvertTo-Json -InputObject $policy) + "`n"
[IO.File]::WriteAllText($temp, $json, (New-Object Text.UTF8Encoding $false))
Move-Item -LiteralPath $temp -Destination $file -Force
Invoke-Icacls $file /reset
