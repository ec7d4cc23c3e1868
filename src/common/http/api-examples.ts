/**
 * Values the OpenAPI examples share, so that ids, tokens and times read as one consistent story across routes (the
 * exam started on this bank is the one answered, finished and reported).
 */
export const EXAMPLE = {
  bankId: 'a05d9999-233f-44ad-a5c5-e4f8f0c35696',
  itemId: '5838de50-eb10-47d9-a9d6-cd079fe654a4',
  examId: '044b2bf8-90ed-456f-a2d9-d938ab5cb5d7',
  testDefinitionId: '55cf78a0-6c46-4f98-8397-f9ab9fd32bfb',
  clientId: '27ce50b0-583a-4aed-aeb3-3753d06ccd30',
  exposureJobId: 'eb99ed9b-ef7e-464d-94aa-92957e0195ac',
  candidateId: 'student-4821',
  /** Exam and launch tokens: 32 random bytes, base64url (43 characters). */
  examToken: 'F6BfPk0DIAbGFJzXN0SzZhVDCratjsXNwxt-V4qhXds',
  launchToken: 'YGeG65yhgKvLQKuWwn2CUCtQk-bjyTx32-rFUdjnwAo',
  keyPrefix: 'c4839206e77f',
  clientKey: 'cat_c4839206e77f_c8zIa2Vr5o2qmEXntZcDfZO_F5ocpi5yBDICY63eUwY',
  createdAt: '2026-05-04T08:15:00.000Z',
  updatedAt: '2026-05-04T08:20:00.000Z',
  startedAt: '2026-05-04T09:30:00.000Z',
  completedAt: '2026-05-04T09:41:12.000Z',
  expiresAt: '2026-05-04T10:00:00.000Z',
} as const;
