using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Backprop.Lab.Cli.Cluster;

/// <summary>
/// The certificate silos and clients authenticate each other with when no --tls-cert is given: self-signed (ECDSA
/// P-256), created on first use in the user's configuration folder, readable by its owner alone. Whoever can read
/// the file is a member of the cluster, so other users of a shared machine are not, and another machine joins when
/// the file is copied there.
/// </summary>
internal static class ClusterCertificate
{
    public const string FileName = "cluster.pfx";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>$XDG_CONFIG_HOME/backprop-lab/cluster.pfx, or ~/.config/backprop-lab/cluster.pfx.</summary>
    public static string DefaultPath()
    {
        // The XDG base directory spec ignores a relative XDG_CONFIG_HOME.
        string home = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(home, "backprop-lab", FileName);
    }

    /// <summary>
    /// The certificate at <paramref name="path"/>, created there first if there is none (<paramref name="created"/>).
    /// An existing file that is a symbolic link, or that its group or others may read, is refused (exit 2).
    /// </summary>
    public static X509Certificate2 LoadOrCreate(string path, out bool created)
    {
        created = false;
        if (!Exists(path))
        {
            created = TryCreate(path);
        }
        return Load(path);
    }

    /// <summary>A certificate that lives only in this process: for the embedded silo, which no other process joins.</summary>
    public static X509Certificate2 Ephemeral() => SelfSigned($"backprop-lab embedded {Environment.ProcessId}");

    /// <summary>SHA-256 of the certificate's DER bytes: what peers pin.</summary>
    public static byte[] Pin(X509Certificate certificate) => SHA256.HashData(certificate.GetRawCertData());

    private static bool Exists(string path) => File.Exists(path) || new FileInfo(path).LinkTarget is not null;

    /// <summary>
    /// Writes a new certificate to a temporary file created exclusively with mode 0600 (O_CREAT|O_EXCL: a planted
    /// symbolic link fails rather than being followed), then links it into place without replacing anything: a
    /// reader sees no file or a whole one, and of two processes creating it at once, one wins and both use its file.
    /// </summary>
    private static bool TryCreate(string path)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        try
        {
            // On Windows the profile's folders are the user's alone by their ACLs; elsewhere the modes say so.
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            using X509Certificate2 certificate = SelfSigned("backprop-lab cluster");
            byte[] pfx = certificate.Export(X509ContentType.Pkcs12);
            string temporary = Path.Combine(folder, $".{FileName}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}.tmp");
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = OwnerOnly;
                }
                using (var stream = new FileStream(temporary, options))
                {
                    stream.Write(pfx);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(temporary, path, overwrite: false);
                return true;
            }
            catch (IOException) when (Exists(path))
            {
                return false; // created meanwhile by another process: use that one
            }
            finally
            {
                File.Delete(temporary);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"cannot create the cluster certificate {path}: {e.Message.TrimEnd('.')} " +
                "(give another with --tls-cert FILE.pfx, or set XDG_CONFIG_HOME)");
        }
    }

    private static X509Certificate2 Load(string path)
    {
        var file = new FileInfo(path);
        if (file.LinkTarget is not null)
        {
            throw new UserInputException($"the cluster certificate {path} is a symbolic link (to {file.LinkTarget}); refusing to use it: " +
                "replace it with the file itself (mode 600)");
        }
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path) is var mode && (mode & GroupOrOthers) != 0)
        {
            throw new UserInputException($"the cluster certificate {path} may be read by other users (mode {Octal(mode)}): " +
                $"whoever reads it can join the cluster. Restrict it with `chmod 600 {path}`, or delete it to create a new one");
        }
        try
        {
            X509Certificate2 certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
            return certificate.HasPrivateKey ? certificate
                : throw new UserInputException($"the cluster certificate {path} has no private key: delete it to create a new one");
        }
        catch (CryptographicException e)
        {
            throw new UserInputException($"cannot read the cluster certificate {path} ({e.Message.TrimEnd('.')}): delete it to create a new one, " +
                "or copy the cluster's file there again");
        }
    }

    private static X509Certificate2 SelfSigned(string subject)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={subject}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false)); // server and client authentication
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(20));
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');
}
