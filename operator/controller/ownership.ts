// Ownership: a child is ours when its controller owner reference carries our UID. Labels
// and names can be set by anyone who can create the object; the UID of a live owner, with
// `controller: true`, is what the garbage collector and the operator both trust.
import type { KubernetesObject } from '@kubernetes/client-node';

/** controllerUid is the UID of the object's controller owner, if it has one. */
export function controllerUid(object: KubernetesObject): string | undefined {
  return object.metadata?.ownerReferences?.find((ref) => ref.controller === true)?.uid;
}

/** isControlledBy tells whether `object`'s controller owner has this UID. */
export function isControlledBy(object: KubernetesObject, uid: string | undefined): boolean {
  return uid !== undefined && uid !== '' && controllerUid(object) === uid;
}
