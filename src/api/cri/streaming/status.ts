// The metav1.Status objects the kubelet writes on the error channel when a
// command ends (k8s.io/kubelet/pkg/cri/streaming/remotecommand), field for field.

export interface Status {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason?: string; message: string }[] };
  code?: number;
}

export const success = (): Status => ({ metadata: {}, status: 'Success' });

/** containerd's wording of an exec's exit, which the kubelet prefixes. */
export const nonZeroExit = (cmd: string[], code: number): Status => ({
  metadata: {},
  status: 'Failure',
  message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${code}`,
  reason: 'NonZeroExitCode',
  details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
});

/** apierrors.NewInternalError. */
export const internalError = (what: string, err: unknown): Status => {
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 };
};
