// The GraphQL operations of attachments: step one of an upload (the composer then sends the
// finished uploads' ids with its message), and a re-read of one message for fresh download links
// (they are signed and expire after DOWNLOAD_URL_TTL; the server signs new ones at every read).
import { graphql } from '../../gql';
// The query selects ChatAttachmentFields (api/fragments.ts): the same shape the store keeps.

export const CreateUploadMutation = graphql(`
  mutation FileCreateUpload($input: CreateUploadInput!) {
    createUpload(input: $input) {
      id
      uploadUrl
      uploadHeaders {
        name
        value
      }
      expiresAt
    }
  }
`);

export const MessageAttachmentsQuery = graphql(`
  query FileMessageAttachments($conversationId: ID!, $afterSeq: Int!) {
    messages(conversationId: $conversationId, afterSeq: $afterSeq, first: 1) {
      edges {
        node {
          id
          attachments {
            ...ChatAttachmentFields
          }
        }
      }
    }
  }
`);
